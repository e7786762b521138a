// 信访+联合督办平台 — page behaviour. No inline scripts anywhere (CSP).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the CSRF token like forms do.
  document.addEventListener("htmx:configRequest", function (evt) {
    evt.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Move focus to an error summary so screen-reader users hear it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) { summary.focus(); }
  });

  // Idle-timeout warning with one-click extension (WCAG 2.2.1 Timing Adjustable).
  document.addEventListener("DOMContentLoaded", function () {
    var body = document.body;
    var deadlineText = body.getAttribute("data-session-deadline");
    if (!deadlineText) { return; }
    var deadline = new Date(deadlineText).getTime();
    var warnMs = parseInt(body.getAttribute("data-session-warning"), 10) * 1000;
    var dialog = document.getElementById("session-warning");
    var remaining = document.getElementById("session-remaining");
    var extendButton = document.getElementById("session-extend");

    function tick() {
      var left = deadline - Date.now();
      if (left <= 0) {
        window.location.assign(body.getAttribute("data-login-url"));
        return;
      }
      if (left <= warnMs) {
        if (!dialog.open) { dialog.showModal(); extendButton.focus(); }
        var s = Math.ceil(left / 1000);
        remaining.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
      }
      window.setTimeout(tick, 1000);
    }

    extendButton.addEventListener("click", function () {
      fetch(body.getAttribute("data-extend-url"), {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken() },
        credentials: "same-origin"
      }).then(function (resp) {
        if (!resp.ok) { throw new Error("extend failed"); }
        return resp.json();
      }).then(function (data) {
        deadline = new Date(data.deadline).getTime();
        dialog.close();
      }).catch(function () {
        window.location.assign(body.getAttribute("data-login-url"));
      });
    });

    tick();
  });

  // 指标看板: charts drawn from the JSON block of the page (the same numbers are in the
  // tables next to each chart). Tooltips render as canvas text, not HTML (CSP).
  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec = data[el.getAttribute("data-chart")];
      if (!spec) { return; }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      var option = { tooltip: { renderMode: "richText" }, legend: {}, series: [] };
      if (spec.type === "pie") {
        option.series = spec.series.map(function (s) {
          return { type: "pie", name: s.name, data: s.data, radius: ["35%", "65%"] };
        });
      } else {
        option.xAxis = { type: "category", data: spec.categories };
        option.yAxis = { type: "value", minInterval: 1 };
        option.grid = { left: 48, right: 16, top: 36, bottom: 32 };
        option.series = spec.series.map(function (s) {
          return { type: spec.type, name: s.name, data: s.data };
        });
      }
      chart.setOption(option);
      el.setAttribute("data-chart-ready", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
