// Statistics dashboard charts (ECharts, served from static/vendor). The figures come from
// the page itself (json_script); the tables below the charts carry the same numbers.
(function () {
  "use strict";
  var source = document.getElementById("stats-charts");
  if (!source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var charts = [];
  var narrow = function () { return window.matchMedia("(max-width: 576px)").matches; };

  var barsEl = document.getElementById("chart-bars");
  if (barsEl) {
    var b = data.bars;
    // Horizontal bars: long Chinese unit names stay readable at phone width, and the
    // chart grows with the number of units instead of squeezing them.
    barsEl.style.height = Math.max(260, 36 * b.labels.length + 90) + "px";
    var bars = echarts.init(barsEl, null, { renderer: "canvas" });
    var series = function (name, values, color) {
      return { name: name, type: "bar", stack: "all", data: values, itemStyle: { color: color },
               emphasis: { focus: "series" }, barMaxWidth: 22 };
    };
    bars.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: { top: 0, type: "scroll" },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: b.labels, inverse: true,
               axisLabel: { width: narrow() ? 84 : 140, overflow: "truncate" } },
      series: [
        series("按时办结", b.on_time, "#2f7d4f"),
        series("超时办结", b.late, "#d08a1c"),
        series("在办未逾期", b.open, "#6c8ebf"),
        series("逾期未办结", b.overdue, "#b8322c")
      ]
    });
    charts.push(bars);
  }

  var trendEl = document.getElementById("chart-trend");
  if (trendEl) {
    var t = data.trend;
    var trend = echarts.init(trendEl, null, { renderer: "canvas" });
    trend.setOption({
      aria: { enabled: true },
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) { return v == null ? "—" : v + "%"; } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: t.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: "办结率", type: "line", data: t.completion, connectNulls: true, itemStyle: { color: "#8b1a1a" } },
        { name: "按时办结率", type: "line", data: t.on_time, connectNulls: true, itemStyle: { color: "#2f7d4f" } }
      ]
    });
    charts.push(trend);
  }

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
  });
  window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
})();
