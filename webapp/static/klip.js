// Small behaviours every page may use; no inline script anywhere (the Content-Security-Policy forbids it).
// A button with data-print prints the page.
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
