// Spreadsheet upload with a progress bar. The form posts normally without this script; with it, the
// file goes up through XMLHttpRequest so the upload can be shown, and the server's answer replaces
// the page exactly as a normal post would.
(function () {
  "use strict";

  function attach(form) {
    var box = document.querySelector("[data-import-progress]");
    var bar = box ? box.querySelector("progress") : null;
    var status = document.querySelector("[data-import-status]");
    var button = form.querySelector("[type=submit]");

    function say(text) {
      if (status) { status.textContent = text; }
    }

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || window.location.href);
      if (button) { button.disabled = true; }
      if (box && bar) { box.hidden = false; bar.value = 0; bar.textContent = "0%"; }
      say("正在上传…");

      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable || !bar) { return; }
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.value = percent;
        bar.textContent = percent + "%";
        say("正在上传… " + percent + "%");
      });
      xhr.upload.addEventListener("load", function () {
        if (bar) { bar.removeAttribute("value"); }  // indeterminate while the server works
        say("正在校验和导入…");
      });
      xhr.addEventListener("load", function () {
        // Show the server's page (result, errors or a refusal) as if the form had been posted.
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        if (button) { button.disabled = false; }
        if (box) { box.hidden = true; }
        say("上传失败，请检查网络后重试。");
      });
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // After an upload, move keyboard and screen-reader focus to its outcome.
    var outcome = document.querySelector("[data-import-focus]");
    if (outcome) { outcome.focus(); }
    var forms = document.querySelectorAll("[data-import-form]");
    for (var i = 0; i < forms.length; i += 1) { attach(forms[i]); }
  });
})();
