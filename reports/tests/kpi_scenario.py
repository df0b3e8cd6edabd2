"""November 2026 in the test county: cases built through the real services, and what docs/kpis.md
says their key figures are. Times are Beijing time; with the test urgency a case registered at T
must be reported in by dispatch + 4 h and finished by T + 48 h.

  A 东街  立案 11-02 09:00  派遣 10:00 住建局主办（11:00 报到，按时）、城管局协办（15:00 报到，超时）
          城管局 11-03 08:00 答复、住建局 09:00 答复（均按期）；核查、结案、评价满意
  B 东街  立案 11-05 09:00  派遣 10:00 住建局（16:00 报到，超时）；11-08 09:00 答复（超期）
          结案后评价不满意 → 返工，新期限 11-10 12:00；11-09 12:00 再答复；再结案，评价基本满意
  C 西街  立案 11-10 09:00  派遣 10:00 住建局，11:00 退回（期限内）；12:00 改派城管局（13:00 报到）
          延期至 11-14 09:00 获批；11-13 09:00 答复；尚未核查
  D 东街  立案 11-20 09:00  派遣 10:00 城管局，一直未报到（报到、办结均超期）
  E 北关  立案 11-25 09:00  10:00 吹哨召集城管局（11:00 报到）、市场监管局（13:00 报到，超时）
          11:30 派遣市场监管局（12:00 报到），11-26 09:00 答复；结案、评价满意；评分 城管局 5、市场监管局 3
  F 东街  立案 10-30 09:00  派遣 10:00 住建局（11:00 报到）；11-02 09:00 答复（超期）；结案、评价满意
  G 西街  11-15 受理后不予受理；H 西街 11-16 立案后合并到 C
"""

from __future__ import annotations

import datetime as dt

from cases import services
from tests.case_world import CaseWorld, at, frozen

H = dt.timedelta(hours=1)
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
NOW = at(2026, 12, 10, 9)


def build(w: CaseWorld) -> dict:
    t = w.tree
    cases = {}

    a = w.dispatch(w.register(at(2026, 11, 2, 9)), at(2026, 11, 2, 10), assists=[w.dept2])
    a = w.accept(a, at(2026, 11, 2, 11))
    a = w.accept(a, at(2026, 11, 2, 15), w.dept2)
    a = w.reply(a, at(2026, 11, 3, 8), w.dept2)
    a = w.reply(a, at(2026, 11, 3, 9))
    cases["A"] = w.finish(a, at(2026, 11, 3, 10), rating="satisfied")

    b = w.dispatch(w.register(at(2026, 11, 5, 9)), at(2026, 11, 5, 10))
    b = w.accept(b, at(2026, 11, 5, 16))
    b = w.reply(b, at(2026, 11, 8, 9))
    b = w.finish(b, at(2026, 11, 8, 10), rating="unsatisfied")  # rated at 12:00: back to the lead
    b = w.reply(b, at(2026, 11, 9, 12))
    cases["B"] = w.finish(b, at(2026, 11, 9, 13), rating="basically_satisfied")

    c = w.dispatch(w.register(at(2026, 11, 10, 9), region=t.west_grid1), at(2026, 11, 10, 10))
    c = w.return_(c, at(2026, 11, 10, 11))
    c = w.dispatch(c, at(2026, 11, 10, 12), lead=w.dept2)
    c = w.accept(c, at(2026, 11, 10, 13), w.dept2)
    c = w.request_extension(c, at(2026, 11, 11, 9), until=at(2026, 11, 14, 9), org=w.dept2)
    c = w.grant_extension(c, at(2026, 11, 11, 10))
    cases["C"] = w.reply(c, at(2026, 11, 13, 9), w.dept2)

    cases["D"] = w.dispatch(w.register(at(2026, 11, 20, 9)), at(2026, 11, 20, 10), lead=w.dept2)

    e = w.register(at(2026, 11, 25, 9), region=t.north)
    e = w.whistle(e, at(2026, 11, 25, 10), [w.dept2, w.dept3])
    e = w.report_in(e, at(2026, 11, 25, 11), w.dept2)
    e = w.report_in(e, at(2026, 11, 25, 13), w.dept3)
    e = w.dispatch(e, at(2026, 11, 25, 11, 30), lead=w.dept3)
    e = w.accept(e, at(2026, 11, 25, 12), w.dept3)
    e = w.reply(e, at(2026, 11, 26, 9), w.dept3)
    e = w.finish(e, at(2026, 11, 26, 10), rating="satisfied")
    e = w.score(e, at(2026, 11, 26, 13), w.dept2, 5)
    cases["E"] = w.score(e, at(2026, 11, 26, 14), w.dept3, 3)

    f = w.dispatch(w.register(at(2026, 10, 30, 9)), at(2026, 10, 30, 10))
    f = w.accept(f, at(2026, 10, 30, 11))
    f = w.reply(f, at(2026, 11, 2, 9))
    cases["F"] = w.finish(f, at(2026, 11, 2, 10), rating="satisfied")

    cases["G"] = w.reject(w.submit(at(2026, 11, 15, 9), region=t.west_grid1), at(2026, 11, 15, 10))
    h = w.register(at(2026, 11, 16, 9), region=t.west_grid1)
    with frozen(at(2026, 11, 16, 10)):
        cases["H"] = services.case_merge(case=h, actor=w.staff(h), expected_version=h.version, survivor=cases["C"])
    return cases
