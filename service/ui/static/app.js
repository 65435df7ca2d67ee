/* ParkMatch: the only script. Pages work without it; it re-ranks as soon as a weight slider is let go,
   sorts tables, shows upload and check progress, and lets editors drag pipeline cards between columns. */
(function () {
  "use strict";
  document.querySelectorAll("input[type=range]").forEach(function (slider) {
    slider.addEventListener("input", function () {
      var output = slider.nextElementSibling;
      if (output && output.tagName === "OUTPUT") { output.value = slider.value; }
    });
  });
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target && (target.type === "range" || target.tagName === "SELECT")) {
        form.classList.add("busy");
        form.submit();
      }
    });
  });

  /* Sortable tables: click a header; numbers sort as numbers, the rest by the page's language. */
  function cellValue(row, index) {
    var cell = row.children[index];
    if (!cell) { return ""; }
    return (cell.getAttribute("data-sort") || cell.textContent || "").trim();
  }
  function asNumber(text) {
    var cleaned = text.replace(/[,\s%]/g, "");
    return cleaned !== "" && !isNaN(cleaned) ? parseFloat(cleaned) : null;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var head = table.tHead;
    var body = table.tBodies[0];
    if (!head || !body) { return; }
    Array.prototype.forEach.call(head.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(head.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        var lang = document.documentElement.lang || "zh-CN";
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var nx = asNumber(x), ny = asNumber(y);
          var order = (nx !== null && ny !== null) ? nx - ny : x.localeCompare(y, lang);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
    });
  });

  /* Upload progress: send the file with XHR so the bar moves, then follow to the check's page. */
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) { return; }
      event.preventDefault();
      var bar = form.querySelector("progress");
      if (bar) { bar.hidden = false; bar.value = 0; }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (bar && e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL.indexOf("/ui/import?job=") !== -1 && xhr.status < 400) {
          window.location.assign(xhr.responseURL);
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  });

  /* Import check: poll the job's status and move the bar (the page also refreshes by itself without this). */
  var job = document.querySelector(".import-job[data-status]");
  if (job && ["queued", "reading", "checking"].indexOf(job.getAttribute("data-phase")) !== -1) {
    var poll = function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", job.getAttribute("data-status"));
      xhr.addEventListener("load", function () {
        var state;
        try { state = JSON.parse(xhr.responseText); } catch (e) { return; }
        var bar = job.querySelector("progress");
        if (bar) { bar.value = state.percent; }
        var label = job.querySelector(".phase");
        if (label) { label.textContent = document.documentElement.lang === "en" ? state.label_en : state.label_zh; }
        if (state.done) { window.location.reload(); } else { window.setTimeout(poll, 400); }
      });
      xhr.send();
    };
    window.setTimeout(poll, 300);
  }

  /* Pipeline: drag a card onto another column; this sets the card's status box and submits its form. */
  var dragged = null;
  document.querySelectorAll(".board .card[draggable=true]").forEach(function (card) {
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-firm") + ":" + card.getAttribute("data-park"));
    });
  });
  document.querySelectorAll(".board .column[data-status]").forEach(function (column) {
    column.addEventListener("dragover", function (event) { if (dragged) { event.preventDefault(); column.classList.add("drop"); } });
    column.addEventListener("dragleave", function () { column.classList.remove("drop"); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("drop");
      if (!dragged) { return; }
      var form = dragged.querySelector("form.move-form");
      var select = form && form.querySelector("select[name=status]");
      if (select && select.value !== column.getAttribute("data-status")) {
        select.value = column.getAttribute("data-status");
        form.submit();
      }
      dragged = null;
    });
  });
})();
