/* 一窗 pages: the little that needs a script. Every message comes from the page (data-msg-*), so the
   words follow the chosen language; the server checks everything again. */
(function () {
  "use strict";

  // —— GB 11643 resident ID: ISO 7064 MOD 11-2 check character ——
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";

  function residentIdProblem(value) {
    if (value.length !== 18) return "length";
    if (!/^[0-9]{17}[0-9X]$/.test(value)) return "chars";
    var y = +value.slice(6, 10), m = +value.slice(10, 12), d = +value.slice(12, 14);
    var born = new Date(y, m - 1, d);
    if (y < 1900 || born.getFullYear() !== y || born.getMonth() !== m - 1 || born.getDate() !== d || born > new Date()) {
      return "birth";
    }
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (+value[i]) * WEIGHTS[i];
    return CHECK[sum % 11] === value[17] ? "" : "check";
  }

  // —— GB 32100 unified social credit code: MOD 31 check character ——
  var USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  var USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

  function usccProblem(value) {
    if (value.length !== 18) return "length";
    for (var i = 0; i < 18; i++) if (USCC.indexOf(value[i]) < 0) return "chars";
    var sum = 0;
    for (var j = 0; j < 17; j++) sum += USCC.indexOf(value[j]) * USCC_WEIGHTS[j];
    return USCC[(31 - (sum % 31)) % 31] === value[17] ? "" : "check";
  }

  function normalise(value) {
    // full-width digits and letters typed with a Chinese input method count (NFKC), as on the server
    return (value.normalize ? value.normalize("NFKC") : value).replace(/\s+/g, "").toUpperCase();
  }

  function checkId(input) {
    var out = document.getElementById(input.id + "-check");
    if (!out) return;
    var kindInput = document.querySelector("input[name='" + (input.dataset.kindField || "kind") + "']:checked");
    var organization = kindInput && kindInput.value === "organization";
    var value = normalise(input.value);
    out.className = "idcheck";
    input.removeAttribute("aria-invalid");
    if (!value) { out.textContent = ""; return; }
    var problem = organization ? usccProblem(value) : residentIdProblem(value);
    if (problem === "length" && value.length < 18) {
      out.textContent = (input.dataset.msgCount || "").replace("{n}", value.length);
      return;
    }
    if (problem) {
      out.textContent = input.dataset["msg" + problem.charAt(0).toUpperCase() + problem.slice(1)] || input.dataset.msgCheck;
      out.className = "idcheck bad";
      input.setAttribute("aria-invalid", "true");
      return;
    }
    out.textContent = input.dataset.msgOk || "✓";
    out.className = "idcheck ok";
    if (input.dataset.lastValid !== value) {
      input.dataset.lastValid = value;
      input.dispatchEvent(new CustomEvent("idvalid", { bubbles: true }));
    }
  }

  // The server's message about a number it refused stands alone until the number is edited (or the
  // kind of applicant changes); then it is out of date, and the live check takes its place. So the
  // field never shows two messages saying the same thing.
  function recheckId(input) {
    if (input.dataset.serverError !== undefined) {
      delete input.dataset.serverError;
      var field = input.closest(".field");
      var stale = field && field.querySelector("ul.errors");
      if (stale) stale.remove();
      if (field) field.classList.remove("invalid");
    }
    checkId(input);
  }

  document.addEventListener("input", function (e) {
    var t = e.target;
    if (t.matches && t.matches("input[data-idcheck]")) recheckId(t);
  });
  document.addEventListener("change", function (e) {
    var t = e.target;
    if (t.matches && t.matches("input[name='kind']")) {
      document.querySelectorAll("input[data-idcheck]").forEach(recheckId);
    }
    // a photo taken or a file chosen on the citizens' pages: its name shows; with data-autoupload it
    // goes up at once (the form's "upload" button, which also works without JavaScript)
    if (t.matches && t.matches("input[type=file][data-picked]")) {
      var picked = document.getElementById(t.dataset.picked);
      if (picked) picked.textContent = Array.prototype.map.call(t.files, function (f) { return f.name; }).join("、");
      var button = t.form && t.form.querySelector("button[name=action][value=upload]");
      if (t.dataset.autoupload !== undefined && t.files.length && button) {
        if (t.form.requestSubmit) t.form.requestSubmit(button); else button.click();
      }
    }
    // 容缺 and 告知承诺 exclude each other on one material
    if (t.matches && t.matches("input[data-exclusive]") && t.checked) {
      var other = document.getElementById(t.dataset.exclusive);
      if (other) other.checked = false;
    }
  });

  // —— one form, one submission (a double click must not make two cases) ——
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset.once === undefined) return;
    if (form.classList.contains("sent")) { e.preventDefault(); return; }
    form.classList.add("sent");
    setTimeout(function () { form.classList.remove("sent"); }, 15000);
  });

  // —— the chosen file goes up at once (htmx); clear the picker so it is not sent a second time ——
  document.addEventListener("htmx:afterRequest", function (e) {
    var el = e.detail && e.detail.elt;
    if (el && el.type === "file") {
      el.value = "";
      var box = el.closest(".material");
      if (box && box.querySelector("ul.files li")) box.classList.add("has-files");
    }
  });
  document.addEventListener("click", function (e) {
    var t = e.target;
    if (!t.closest) return;
    var remove = t.closest("[data-remove]");
    if (remove) {
      var li = remove.closest("li");
      var box = li && li.closest(".material");
      if (li) li.remove();
      if (box && !box.querySelector("ul.files li")) box.classList.remove("has-files");
    }
    if (t.closest("[data-print]")) window.print();
  });

  // —— the kiosk goes back to its start page when nobody has touched it for a while ——
  var home = document.body && document.body.dataset.idleHome;
  if (home) {
    var seconds = +(document.body.dataset.idleSeconds || 120);
    var timer;
    var reset = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.href = home; }, seconds * 1000);
    };
    ["pointerdown", "keydown", "input", "scroll"].forEach(function (name) {
      document.addEventListener(name, reset, { passive: true });
    });
    reset();
  }

  document.querySelectorAll("input[data-idcheck]").forEach(function (input) {
    if (input.value && input.dataset.serverError === undefined) checkId(input);
  });

  // A choice that applies itself (the queue panel's window): no inline handler, which the
  // Content-Security-Policy forbids.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });
})();
