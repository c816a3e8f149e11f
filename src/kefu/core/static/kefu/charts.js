// Draws every [data-chart] element with ECharts from the figures the page put in a
// json_script block (see kefu.core.templatetags.charts). Loaded only when ECharts is installed.
(function () {
  function draw(element) {
    if (element.dataset.drawn || typeof echarts === "undefined") return;
    var source = document.getElementById(element.dataset.chart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var unit = data.unit || "";
    var chart = echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 16, bottom: 64 },
      tooltip: {
        trigger: "axis",
        valueFormatter: function (value) { return value == null ? "—" : value + unit; },
      },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: data.max == null ? null : data.max, axisLabel: { formatter: "{value}" + unit } },
      series: [{
        name: data.series,
        type: data.kind,
        data: data.values,
        itemStyle: { color: "#2f6fb3" },
        label: { show: data.labels.length <= 12, position: "top", formatter: function (p) { return p.value == null ? "" : p.value + unit; } },
      }],
    });
    element.dataset.drawn = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function drawAll() { document.querySelectorAll("[data-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
