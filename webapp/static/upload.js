// Upload of a target list with progress (the upload page's form[data-upload-progress]). The file is sent with
// XMLHttpRequest, whose upload events tell how much has been sent: a <progress> bar in percent. Once sent, the server
// reads, checks and stores every row in the same request (one transaction), so its end cannot be measured: the bar
// turns indeterminate and says how long it has been working. A status region (aria-live) announces each stage.
// Without JavaScript (or XMLHttpRequest) the form posts as a plain form and the page simply waits.
(() => {
  "use strict";

  function bind(form) {
    if (!form || !window.XMLHttpRequest || !window.FormData || !window.DOMParser) {
      return;
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(form);
    });
  }

  function send(form) {
    const panel = document.getElementById("upload-progress");
    const bar = document.getElementById("upload-bar");
    const label = document.getElementById("upload-label");
    const status = document.getElementById("upload-status");
    const button = form.querySelector("button[type=submit]");
    const text = form.dataset;
    let timer = null;
    const stop = () => {
      if (timer !== null) {
        window.clearInterval(timer);
      }
      button.disabled = false;
      form.removeAttribute("aria-busy");
    };
    clearErrors(form);
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    panel.hidden = false;
    bar.value = 0;
    label.textContent = text.uploading.replace("{percent}", "0");
    status.textContent = text.uploadStarted;

    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && e.total > 0) {
        const percent = Math.floor((e.loaded * 100) / e.total);
        bar.value = percent;
        label.textContent = text.uploading.replace("{percent}", String(percent));
      }
    });
    xhr.upload.addEventListener("load", () => {
      const started = Date.now();
      bar.removeAttribute("value"); // indeterminate: the server's work has no known end
      label.textContent = text.processing.replace("{seconds}", "0");
      status.textContent = text.processingStarted;
      timer = window.setInterval(() => {
        const seconds = Math.round((Date.now() - started) / 1000);
        label.textContent = text.processing.replace("{seconds}", String(seconds));
      }, 1000);
    });
    xhr.addEventListener("load", () => {
      stop();
      const type = xhr.getResponseHeader("Content-Type") || "";
      if (xhr.status === 200 && type.indexOf("application/json") === 0) {
        status.textContent = text.done;
        window.location.assign(JSON.parse(xhr.responseText).location);
        return;
      }
      showPage(xhr.responseText); // the page the plain form post would have shown (errors, 413, 403)
    });
    const failed = () => {
      stop();
      panel.hidden = true;
      status.textContent = text.failed;
      document.getElementById("upload-failed").hidden = false;
      document.getElementById("upload-failed").textContent = text.failed;
    };
    xhr.addEventListener("error", failed);
    xhr.addEventListener("abort", failed);
    xhr.send(new FormData(form));
  }

  // The errors of the previous attempt no longer describe the file now being sent: drop them (the server's answer
  // shows this attempt's errors, if any).
  function clearErrors(form) {
    const main = form.closest("main") || document;
    main.querySelectorAll(".flash-error[role=alert], .field-error").forEach((node) => node.remove());
    main.querySelectorAll(".has-error").forEach((node) => node.classList.remove("has-error"));
    form.querySelectorAll("[aria-invalid]").forEach((node) => {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    });
  }

  function showPage(html) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const fresh = page.querySelector("main");
    const current = document.querySelector("main");
    if (!fresh || !current) {
      document.open();
      document.write(html);
      document.close();
      return;
    }
    document.title = page.title;
    current.replaceWith(fresh);
    bind(fresh.querySelector("form[data-upload-progress]"));
    const alert = fresh.querySelector("[role=alert]");
    (alert || fresh).setAttribute("tabindex", "-1");
    (alert || fresh).focus();
  }

  bind(document.querySelector("form[data-upload-progress]"));
})();
