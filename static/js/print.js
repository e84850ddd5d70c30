// The report's print version: a button that opens the browser's print dialog (print or save as PDF).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
