/* 自助终端: the ID card reader hook.

   The card reader is pluggable (the kiosk's KIOSK_CARD_READER setting, on the button as data-reader):
   - "js": the kiosk's shell (the vendor's browser wrapper) provides window.yichuangCardReader.read(),
     returning (or resolving to) {name, id_number};
   - a URL (http://127.0.0.1:PORT/read): a local reader service answering that JSON to a GET;
   - "demo": fills the demo citizen's number (data-demo-id, data-demo-name), for trying the kiosk out.
   Whatever answers, the fields marked data-card-field="id_number" / "name" are filled. */
"use strict";

(() => {
  async function readCard(button) {
    const mode = button.dataset.reader || "demo";
    if (window.yichuangCardReader && typeof window.yichuangCardReader.read === "function") {
      return await window.yichuangCardReader.read();
    }
    if (/^https?:\/\//.test(mode)) {
      const response = await fetch(mode, { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      return await response.json();
    }
    if (mode === "demo") return { id_number: button.dataset.demoId, name: button.dataset.demoName };
    throw new Error("no card reader");
  }

  document.querySelectorAll("[data-card-read]").forEach((button) => {
    button.addEventListener("click", async () => {
      const problem = document.getElementById("card-problem");
      if (problem) problem.textContent = "";
      try {
        const card = (await readCard(button)) || {};
        ["id_number", "name"].forEach((key) => {
          const field = document.querySelector(`[data-card-field="${key}"]`);
          if (field && card[key]) {
            field.value = card[key];
            field.dispatchEvent(new Event("input", { bubbles: true }));
          }
        });
      } catch (error) {
        if (problem) problem.textContent = "读卡失败，请重新放置身份证或手动输入。";
      }
    });
  });
  // Buttons marked data-print print the page: site.js handles them on every page.
})();
