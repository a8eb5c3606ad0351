/* 数据看板: the charts, drawn with ECharts (fetched from the npm registry at setup, served from
   /static/vendor/echarts/) from the figures the page's tables show. The words come from the page, in
   its language; without the library the tables still say everything. */
(function () {
  "use strict";

  var COLORS = ["#0b57a4", "#2e9e4c", "#e0a100"];

  function percent(value) {
    return value === null || value === undefined ? "—" : value + "%";
  }

  function option(set, labels, many) {
    return {
      color: COLORS,
      aria: { enabled: true },
      animationDuration: 300,
      textStyle: { fontFamily: "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif" },
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 48, bottom: 8, containLabel: true },
      xAxis: {
        type: "category",
        data: set.names,
        axisLabel: { interval: 0, rotate: many ? 30 : 0, hideOverlap: true },
      },
      yAxis: [
        { type: "value", name: labels.cases, minInterval: 1 },
        { type: "value", name: labels.on_time, min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
      ],
      series: [
        { name: labels.accepted, type: "bar", data: set.accepted, barMaxWidth: 36 },
        { name: labels.completed, type: "bar", data: set.completed, barMaxWidth: 36 },
        {
          name: labels.on_time,
          type: "line",
          yAxisIndex: 1,
          data: set.on_time,
          connectNulls: true,
          symbolSize: 8,
          tooltip: { valueFormatter: percent },
        },
      ],
    };
  }

  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var boxes = document.querySelectorAll("[data-chart]");
    if (!window.echarts) {
      boxes.forEach(function (box) {
        box.textContent = data.labels.missing;
        box.classList.add("chart-missing");
      });
      return;
    }
    var locale = document.documentElement.lang === "en" ? "EN" : "ZH";
    var charts = [];
    boxes.forEach(function (box) {
      var set = data[box.dataset.chart];
      if (!set || !set.names.length) {
        box.hidden = true;
        return;
      }
      var chart = window.echarts.init(box, null, { renderer: "svg", locale: locale });
      chart.setOption(option(set, data.labels, set.names.length > 6));
      if (set.links) {
        // A bar or a point of the line leads one level down, like the name in the table.
        chart.on("click", function (event) {
          var url = set.links[event.dataIndex];
          if (url) window.location.href = url;
        });
      }
      box.dataset.drawn = "true";
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
