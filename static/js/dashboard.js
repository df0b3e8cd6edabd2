// 数据看板 charts. The data come from the page's JSON block (id "dashboard-data"); on the 数据大屏 the
// page fetches the same data again from data-refresh-url every data-refresh-seconds and redraws.
// Every chart has its numbers in the table below it, so the page is complete without this file.
(function () {
  "use strict";

  const RATE_KEYS = [["response", "响应率"], ["resolution", "解决率"], ["satisfaction", "满意率"], ["on_time_finish", "按期办结率"]];
  const COLORS = ["#b71c1c", "#0b57d0", "#1a7f37", "#9a6700", "#6f42c1", "#0a7b83", "#d9480f", "#57606a", "#c2185b", "#2e7d32"];
  const charts = {};

  function theme(dark) {
    return { text: dark ? "#e6edf7" : "#1f2328", axis: dark ? "#a9b8d0" : "#57606a", split: dark ? "#23406e" : "#e5e8eb" };
  }

  function base(dark) {
    const t = theme(dark);
    return {
      color: COLORS,
      animation: false,
      textStyle: { color: t.text, fontFamily: "inherit" },
      // Tooltips drawn on the canvas: no HTML with inline styles, which the page's policy refuses.
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, textStyle: { color: t.text } },
      grid: { left: 48, right: 24, top: 40, bottom: 40, containLabel: true },
    };
  }

  function axis(dark, extra) {
    const t = theme(dark);
    return Object.assign({ axisLabel: { color: t.axis }, axisLine: { lineStyle: { color: t.axis } }, splitLine: { lineStyle: { color: t.split } } }, extra);
  }

  function percentAxis(dark) {
    return axis(dark, { type: "value", min: 0, max: 100, axisLabel: { color: theme(dark).axis, formatter: "{value}%" } });
  }

  const builders = {
    rates(data, dark) {
      return Object.assign(base(dark), {
        legend: { show: false },
        xAxis: axis(dark, { type: "category", data: data.rates.map((r) => r.label) }),
        yAxis: percentAxis(dark),
        series: [{ type: "bar", name: "比率", barMaxWidth: 56, data: data.rates.map((r) => r.value),
          label: { show: true, position: "top", formatter: "{c}%", color: theme(dark).text } }],
      });
    },
    trend(data, dark) {
      return Object.assign(base(dark), {
        xAxis: axis(dark, { type: "category", data: data.trend.map((row) => row.label) }),
        yAxis: percentAxis(dark),
        series: RATE_KEYS.map(([key, label]) => ({ type: "line", name: label, connectNulls: false, data: data.trend.map((row) => row[key]) })),
      });
    },
    departments(data, dark) {
      const rows = data.departments.slice(0, 15).reverse();
      return Object.assign(base(dark), {
        grid: { left: 24, right: 24, top: 40, bottom: 24, containLabel: true },
        xAxis: percentAxis(dark),
        yAxis: axis(dark, { type: "category", data: rows.map((row) => row.name) }),
        series: [
          { type: "bar", name: "按期办结率", data: rows.map((row) => row.on_time_finish) },
          { type: "bar", name: "响应率", data: rows.map((row) => row.response) },
        ],
      });
    },
    categories(data, dark) {
      const t = theme(dark);
      return Object.assign(base(dark), {
        tooltip: { trigger: "item", renderMode: "richText" },
        legend: { type: "scroll", orient: "vertical", right: 8, top: 8, textStyle: { color: t.text } },
        series: [{ type: "pie", name: "受理件数", radius: ["35%", "70%"], center: ["40%", "55%"],
          label: { color: t.text, formatter: "{b}：{c}" },
          data: data.categories.map((row) => ({ name: row.name, value: row.total })) }],
      });
    },
    hot_spots(data, dark) {
      const heat = data.hot_spots;
      const points = [];
      heat.rows.forEach((row, y) => row.cells.forEach((value, x) => points.push([x, y, value])));
      return Object.assign(base(dark), {
        tooltip: { trigger: "item", renderMode: "richText" },
        grid: { left: 24, right: 24, top: 16, bottom: 64, containLabel: true },
        xAxis: axis(dark, { type: "category", data: heat.categories, splitArea: { show: true } }),
        yAxis: axis(dark, { type: "category", data: heat.rows.map((row) => row.name), splitArea: { show: true } }),
        visualMap: { min: 0, max: Math.max(heat.peak, 1), calculable: true, orient: "horizontal", left: "center", bottom: 0,
          inRange: { color: ["#fdecea", "#ef8f84", "#8e1414"] }, textStyle: { color: theme(dark).text } },
        series: [{ type: "heatmap", name: "受理件数", data: points, label: { show: true } }],
      });
    },
  };

  function draw(root, data) {
    const dark = document.body.classList.contains("screen");
    root.querySelectorAll("[data-chart]").forEach((box) => {
      const key = box.dataset.chart;
      if (!builders[key]) return;
      let chart = charts[key];
      if (!chart) {
        chart = window.echarts.init(box, null, { renderer: "canvas" });
        charts[key] = chart;
      }
      chart.setOption(builders[key](data, dark), true);
    });
  }

  function cell(tag, text, cls, scope) {
    const node = document.createElement(tag);
    node.textContent = text;
    if (cls) node.className = cls;
    if (scope) node.setAttribute("scope", scope);
    return node;
  }

  function fillTables(root, data) {
    Object.entries(data.tables || {}).forEach(([key, table]) => {
      const body = root.querySelector(`table[data-table="${key}"] tbody`);
      if (!body) return;
      body.replaceChildren();
      if (!table.rows.length) {
        const tr = document.createElement("tr");
        const td = cell("td", "暂无数据", "muted");
        td.colSpan = table.header.length;
        tr.appendChild(td);
        body.appendChild(tr);
        return;
      }
      table.rows.forEach((row) => {
        const tr = document.createElement("tr");
        row.forEach((c, i) => tr.appendChild(i === 0 ? cell("th", c.text, c.cls, "row") : cell("td", c.text, c.cls)));
        body.appendChild(tr);
      });
    });
  }

  function fillFigures(root, data) {
    data.rates.forEach((rate) => {
      const value = root.querySelector(`[data-rate="${rate.key}"]`);
      const basis = root.querySelector(`[data-rate-basis="${rate.key}"]`);
      if (value) value.textContent = rate.value === null ? "—" : `${rate.value}%`;
      if (basis) basis.textContent = `${rate.numerator} / ${rate.denominator}`;
    });
    const overdue = root.querySelector("[data-overdue-total]");
    if (overdue) overdue.textContent = `${data.overdue.total} 件`;
  }

  function refresh(root) {
    const url = root.dataset.refreshUrl;
    const seconds = Number(root.dataset.refreshSeconds || "60");
    if (!url) return;
    window.setInterval(() => {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : null))
        .then((data) => {
          if (!data) return;
          draw(root, data);
          fillTables(root, data);
          fillFigures(root, data);
          const stamp = document.querySelector("[data-updated]");
          if (stamp) {
            const now = new Date();
            const pad = (n) => String(n).padStart(2, "0");
            stamp.textContent = `更新于 ${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}`;
          }
        })
        .catch(() => {});
    }, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.querySelector("[data-dashboard]");
    const source = document.getElementById("dashboard-data");
    if (!root || !source || !window.echarts) return;
    draw(root, JSON.parse(source.textContent));
    window.addEventListener("resize", () => Object.values(charts).forEach((chart) => chart.resize()));
    refresh(root);
  });
})();
