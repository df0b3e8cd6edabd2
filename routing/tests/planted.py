"""A synthetic set of complaints with planted duplicates: each problem is written three ways by
different residents (paraphrases: other words, other order, other length), placed at a spot."""

from __future__ import annotations

import random

# Each topic: three (title, text) paraphrases with {place} for where it is.
TOPICS: list[list[tuple[str, str]]] = [
    [("{place}路灯不亮", "{place}的路灯坏了好几天，晚上一片漆黑，居民出行很不方便，请尽快维修。"),
     ("{place}路灯坏了没人修", "晚上{place}那几盏灯一直不亮，黑乎乎的，老人小孩走路很危险。"),
     ("反映{place}照明问题", "{place}路灯从上周开始就不亮了，希望有关部门派人来修一下灯。")],
    [("{place}井盖丢失", "{place}的下水井盖不见了，留下一个大洞，行人和车辆经过很危险。"),
     ("{place}有个井没有盖子", "路过{place}发现窨井盖缺失，晚上看不清容易掉下去，请尽快补上。"),
     ("{place}窨井盖缺失存在隐患", "{place}路面上的井盖被偷了，已经好几天了，孩子放学从这里走。")],
    [("{place}垃圾堆积", "{place}的垃圾好几天没人清运，堆成小山，天热臭味很大，招苍蝇。"),
     ("{place}垃圾没人拉", "{place}垃圾桶早就满了，垃圾散落一地，臭气熏天，请环卫来清理。"),
     ("请清理{place}的垃圾", "最近{place}垃圾清运不及时，垃圾堆得到处都是，味道难闻。")],
    [("{place}广场舞噪音扰民", "每天晚上{place}跳广场舞音响开得很大，一直到十点多，影响休息。"),
     ("{place}晚上太吵", "{place}有人跳舞放音乐声音特别大，家里老人孩子都睡不着觉。"),
     ("投诉{place}音响噪声", "{place}广场舞的喇叭声太响了，多次劝说无效，请管一管。")],
    [("{place}流动摊贩占道", "{place}每天早上都有很多小贩摆摊卖菜，把人行道都占满了，走路只能走机动车道。"),
     ("{place}摆摊占用人行道", "{place}一带摊贩乱摆，堵住了路，行人只能绕到马路上，很不安全。"),
     ("{place}占道经营严重", "{place}人行道上全是卖东西的摊位，早晚高峰根本过不去，请城管整治。")],
    [("{place}水管爆裂", "{place}地下的自来水管爆了，水一直往外冒，路面都淹了，浪费严重。"),
     ("{place}一直在漏水", "{place}的供水管道破裂，水流了一整天，没人来修，请供水公司处理。"),
     ("{place}跑水", "{place}路边水管裂开，水哗哗地流到路上，冬天结冰容易滑倒。")],
    [("{place}电梯经常坏", "{place}的电梯这个月已经坏了三次，上周还困过人，物业一直不彻底修。"),
     ("{place}电梯故障困人", "{place}电梯又停了，昨天有人被困半小时，老人上下楼非常困难。"),
     ("{place}电梯老出问题", "{place}这部电梯运行时异响还突然停住，住户很害怕，请检查维修。")],
    [("{place}私搭乱建", "{place}有住户在楼下私自搭建彩钢房，占用公共绿地，请查处。"),
     ("{place}违章搭建", "{place}一楼住户圈占公共空间盖了个棚子，影响大家通行。"),
     ("{place}有人违建", "{place}最近有人在空地上加盖房子，没有任何手续，请执法部门管一管。")],
    [("{place}电动车飞线充电", "{place}有人从楼上拉电线下来给电动车充电，线就挂在窗外，很危险。"),
     ("{place}私拉电线充电", "{place}住户把插线板从窗户吊下来充电瓶车，存在火灾隐患。"),
     ("{place}楼道充电有隐患", "{place}好几辆电动车在楼道里充电，电线乱拉，一旦起火后果严重。")],
    [("{place}下水道堵塞", "{place}下水道堵了，污水从井里冒出来，满地都是，味道很难闻。"),
     ("{place}污水外溢", "{place}的排水管道堵塞，脏水溢到路面，居民进出都要踩着污水。"),
     ("{place}化粪池满溢", "{place}化粪池好久没抽了，污水漫出来，臭味整个小区都能闻到。")],
    [("{place}饭店油烟扰民", "{place}的饭店排油烟管道对着居民窗户，每天油烟熏得不敢开窗。"),
     ("{place}餐馆油烟太大", "{place}新开的餐馆没有装净化设备，油烟直接排放，家里全是油味。"),
     ("{place}烧烤油烟呛人", "{place}烧烤店晚上烟雾很大，飘进楼里，呛得人咳嗽。")],
    [("{place}车辆乱停", "{place}总有车乱停乱放，把消防通道都堵死了，万一有火灾消防车进不来。"),
     ("{place}消防通道被占", "{place}的消防通道上停满了私家车，物业也不管。"),
     ("{place}停车堵路", "{place}路边车停得乱七八糟，垃圾车和救护车都过不去。")],
    [("{place}树枝挡窗", "{place}的大树长得太高，树枝伸到窗户边，挡住阳光，刮风时还拍打玻璃。"),
     ("{place}树木需要修剪", "{place}树木很久没修剪，枝叶遮住了路灯，也挡住了低层住户的采光。"),
     ("请修剪{place}的树", "{place}的树枝太密，遮光严重，还有断枝掉下来砸到人的危险。")],
    [("{place}停水没有通知", "{place}今天早上突然停水，没有任何通知，到现在也没来水，做饭都成问题。"),
     ("{place}自来水停了", "{place}从昨晚开始就没有自来水，打电话也没人说清楚什么时候恢复。"),
     ("{place}断水一整天", "{place}居民家里一天都没水用，老人洗漱都困难，请尽快恢复供水。")],
    [("{place}楼顶漏水", "{place}顶楼一下雨就漏水，天花板发霉，墙皮脱落，找物业多次未解决。"),
     ("{place}屋面渗水", "{place}最上面一层屋顶防水坏了，雨天家里要拿盆接水。"),
     ("{place}房顶漏雨", "{place}房顶漏雨严重，墙面都泡坏了，申请用维修基金修屋面。")],
    [("{place}野狗伤人", "{place}最近有好几条流浪狗，见人就叫，前天还咬伤了一个孩子。"),
     ("{place}流浪狗太多", "{place}附近流浪狗成群，晚上乱叫，孩子上学都害怕。"),
     ("{place}有恶犬出没", "{place}一群野狗经常追人，已经有老人被咬，请有关部门处理。")],
]

PLACES = [
    "幸福路3号楼前", "东街菜市场门口", "育才小学东门", "老粮站家属院", "文化广场西侧", "人民医院北门",
    "建设巷12号院", "红旗小区5号楼", "汽车站对面", "城关中学南门", "兴华街十字", "锦绣家园北区",
    "县委家属院", "步行街中段", "体育场东侧", "农贸市场后门",
]


def planted_set(seed: int = 0, topics_per_community: int = 10) -> tuple[list[dict], list[dict]]:
    """(originals, duplicates) as dicts with title, text, community index, grid index, topic, place.

    Each of two communities gets `topics_per_community` different problems, each at its own place in one
    of the community's grids; every problem is reported again (a paraphrase, the same grid). The same
    topic may occur in both communities, at different places.
    """
    rng = random.Random(seed)
    originals, duplicates = [], []
    for community in range(2):
        topics = rng.sample(range(len(TOPICS)), topics_per_community)
        places = rng.sample(PLACES, topics_per_community)
        for topic, place in zip(topics, places, strict=True):
            first, second = rng.sample(range(3), 2)
            grid = rng.randrange(2)
            base = dict(community=community, grid=grid, topic=topic, place=place)
            title, text = TOPICS[topic][first]
            originals.append({**base, "title": title.format(place=place), "text": text.format(place=place)})
            title, text = TOPICS[topic][second]
            duplicates.append({**base, "title": title.format(place=place), "text": text.format(place=place)})
    return originals, duplicates
