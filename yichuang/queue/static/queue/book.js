/* 预约: choose a category, a day and a slot, book with a name and a phone; look up or cancel. */
"use strict";

(() => {
  const root = document.getElementById("booking-page");
  const point = root.dataset.point;
  const L = Queue.labels;
  let day = null;
  let slot = null;

  function describe(a) {
    return `${a.point_name} · ${a.category_name} · ${a.day} ${a.start}-${a.end}`;
  }

  async function loadSlots() {
    const box = document.getElementById("slots");
    if (!box) return;
    slot = null;
    box.replaceChildren();
    const category = document.getElementById("category").value;
    try {
      const slots = await Queue.api(`/api/v1/queue/points/${encodeURIComponent(point)}/slots/?category=${encodeURIComponent(category)}&date=${day}`);
      if (!slots.length) {
        const p = document.createElement("p");
        p.className = "hint";
        p.textContent = L.no_slots;
        box.append(p);
      }
      for (const s of slots) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "btn";
        b.dataset.slot = s.id;
        b.setAttribute("aria-pressed", "false");
        b.disabled = s.left <= 0;
        b.textContent = `${s.start}-${s.end} ` + (s.left > 0 ? Queue.format(L.left, { n: s.left }) : L.full);
        if (s.extended) {
          const tag = document.createElement("span");
          tag.className = "badge";
          tag.textContent = L.extended;
          b.append(" ", tag);
        }
        b.addEventListener("click", () => {
          box.querySelectorAll("button").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
          slot = s.id;
        });
        box.append(b);
      }
    } catch (error) {
      Queue.show(document.getElementById("book-problem"), Queue.explain(error));
    }
  }

  const days = document.getElementById("days");
  if (days) {
    day = days.querySelector("button").dataset.date;
    days.addEventListener("click", (event) => {
      const b = event.target.closest("button[data-date]");
      if (!b) return;
      days.querySelectorAll("button").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
      day = b.dataset.date;
      loadSlots();
    });
    document.getElementById("category").addEventListener("change", loadSlots);
    document.getElementById("book-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const problem = document.getElementById("book-problem");
      Queue.show(problem, "");
      if (!slot) {
        Queue.show(problem, L.choose_slot);
        return;
      }
      try {
        const a = await Queue.api("/api/v1/queue/bookings/", {
          method: "POST",
          body: {
            slot,
            name: document.getElementById("name").value.trim(),
            phone: document.getElementById("phone").value.trim(),
            note: document.getElementById("note").value.trim(),
          },
        });
        document.getElementById("done-reference").textContent = a.reference;
        document.getElementById("done-code").textContent = a.cancel_code;
        document.getElementById("done-when").textContent = describe(a);
        document.getElementById("booking").classList.add("hidden");
        document.getElementById("done").classList.remove("hidden");
      } catch (error) {
        Queue.show(problem, Queue.explain(error));
        loadSlots();
      }
    });
    document.getElementById("again").addEventListener("click", () => {
      document.getElementById("done").classList.add("hidden");
      document.getElementById("booking").classList.remove("hidden");
      loadSlots();
    });
    loadSlots();
  }

  document.getElementById("manage-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = document.getElementById("manage-result");
    const reference = document.getElementById("m-reference").value.trim().toUpperCase();
    const cancel = event.submitter && event.submitter.value === "cancel";
    try {
      const a = cancel
        ? await Queue.api(`/api/v1/queue/bookings/${encodeURIComponent(reference)}/cancel/`, {
            method: "POST",
            body: { cancel_code: document.getElementById("m-code").value.trim() },
          })
        : await Queue.api(`/api/v1/queue/bookings/${encodeURIComponent(reference)}/`, {
            method: "POST",
            body: { phone: document.getElementById("m-phone").value.trim() },
          });
      Queue.show(out, (cancel ? L.cancelled + " " : "") + `${describe(a)} · ${L.status}：${a.status_display}`);
      if (cancel) loadSlots();
    } catch (error) {
      Queue.show(out, Queue.explain(error));
    }
  });
})();
