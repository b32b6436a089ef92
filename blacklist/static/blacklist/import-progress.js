// Updates the import progress bar without reloading; reloads once the run has finished.
(function () {
  const section = document.getElementById("import-progress");
  if (!section) return;
  const bar = section.querySelector("progress");
  const text = section.querySelector(".progress-text");
  const status = document.getElementById("import-status");
  const running = ["uploaded", "validating", "committing"];

  async function poll() {
    try {
      const response = await fetch(section.dataset.url, { credentials: "same-origin" });
      const data = await response.json();
      if (!running.includes(data.status)) {
        window.location.reload();
        return;
      }
      if (data.total) bar.max = data.total;
      bar.value = data.done || 0;
      status.textContent = data.status_label;
      text.textContent = data.label;
    } catch (error) {
      text.textContent = String(error);
    }
    window.setTimeout(poll, 1000);
  }
  poll();
})();
