// Residents' pages: small enhancements on top of pages that work fully without scripts.
(function () {
  "use strict";

  var COOKIE = "portal_text";
  var COOKIE_PATH = "/";

  // 大字模式: switch at once and remember it in the same cookie the server reads.
  function setupTextSize() {
    var form = document.querySelector("[data-text-size-form]");
    var button = document.querySelector("[data-text-size]");
    if (!form || !button) { return; }
    var mark = button.querySelector(".text-size-mark");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var large = !document.documentElement.classList.contains("large-text");
      document.documentElement.classList.toggle("large-text", large);
      if (large) {
        document.cookie = COOKIE + "=large; path=" + COOKIE_PATH + "; max-age=31536000; SameSite=Lax";
      } else {
        document.cookie = COOKIE + "=; path=" + COOKIE_PATH + "; max-age=0; SameSite=Lax";
      }
      button.setAttribute("aria-pressed", large ? "true" : "false");
      button.value = large ? "normal" : "large";
      if (mark) { mark.textContent = large ? "✓" : "A+"; }
    });
  }

  // Live count of the description's characters (the server checks the limit again). The visible count
  // follows every key; screen readers hear it once typing pauses.
  function setupCounter() {
    var counter = document.querySelector("[data-counter-for]");
    if (!counter) { return; }
    var field = document.getElementById(counter.getAttribute("data-counter-for"));
    var announce = document.querySelector("[data-counter-announce]");
    var max = parseInt(counter.getAttribute("data-max"), 10);
    if (!field || !max) { return; }
    var timer = null;
    var update = function (speak) {
      var length = Array.from(field.value).length;
      var over = length > max;
      var text = over
        ? "错误：已超出 " + (length - max) + " 个字，请删减到 " + max + " 个字以内"
        : "已输入 " + length + " 个字，还可以输入 " + (max - length) + " 个字";
      counter.textContent = text;
      counter.classList.toggle("over", over);
      if (speak && announce) {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { announce.textContent = text; }, 1000);
      }
    };
    counter.hidden = false;
    field.addEventListener("input", function () { update(true); });
    update(false);
  }

  // The target group matters only for 申请帮助.
  function setupKind() {
    var form = document.querySelector("[data-report-form]");
    var group = document.querySelector("[data-target-group]");
    if (!form || !group) { return; }
    var radios = form.querySelectorAll("input[name=kind]");
    var update = function () {
      var checked = form.querySelector("input[name=kind]:checked");
      var hasError = group.querySelector(".has-error") !== null;
      group.hidden = !hasError && checked !== null && checked.value === "problem";
    };
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  // Grids and buildings of the chosen community.
  function setupPlaces() {
    var community = document.getElementById("id_community");
    var place = document.getElementById("id_place");
    if (!community || !place) { return; }
    var url = place.form && place.form.getAttribute("data-places-url");
    if (!url) { return; }
    community.addEventListener("change", function () {
      var code = community.value;
      if (place.getAttribute("data-places-for") === code) { return; }
      place.setAttribute("data-places-for", code);
      var reset = function (label) {
        place.textContent = "";
        var empty = document.createElement("option");
        empty.value = "";
        empty.textContent = label;
        place.appendChild(empty);
      };
      reset(code ? "不选" : "请先选择社区");
      if (!code) { return; }
      fetch(url + "?community=" + encodeURIComponent(code), { headers: { "Accept": "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { places: [] }; })
        .then(function (data) {
          if (place.getAttribute("data-places-for") !== code) { return; }
          data.places.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.code;
            option.textContent = item.label;
            place.appendChild(option);
          });
        })
        .catch(function () { /* the list stays at 不选; the community alone is enough */ });
    });
  }

  // One press is enough: the button says it is working (the server also ignores a repeat).
  function setupSubmitOnce() {
    document.querySelectorAll("[data-submit-once]").forEach(function (button) {
      var form = button.form;
      if (!form) { return; }
      form.addEventListener("submit", function (event) {
        if (form.getAttribute("data-submitting") === "true") {
          event.preventDefault();
          return;
        }
        form.setAttribute("data-submitting", "true");
        button.setAttribute("aria-disabled", "true");
        button.textContent = "正在提交，请稍候…";
      });
    });
  }

  // After a failed submission, take the reader to the list of what to fix.
  function focusErrors() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTextSize();
    setupCounter();
    setupKind();
    setupPlaces();
    setupSubmitOnce();
    focusErrors();
  });
})();
