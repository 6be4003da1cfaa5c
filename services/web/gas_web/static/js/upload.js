// Upload a VCF straight to S3 with a presigned POST, showing progress, then submit the job.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("file");
  const fileError = document.getElementById("file-error");
  const errorBox = document.getElementById("upload-error");
  const progress = document.getElementById("progress");
  const bar = document.getElementById("progress-bar");
  const button = document.getElementById("upload-button");
  const limit = Number(form.dataset.limit);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  function problemWith(file) {
    if (!file) return "Please choose a file.";
    const name = file.name.toLowerCase();
    if (!name.endsWith(".vcf") && !name.endsWith(".vcf.gz")) {
      return "Please choose a VCF file (.vcf or .vcf.gz).";
    }
    if (file.size === 0) return "That file is empty.";
    if (file.size > limit) {
      return "That file is larger than your " + form.dataset.limitText + " upload limit.";
    }
    return null;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.classList.remove("d-none");
    progress.classList.add("d-none");
    button.disabled = false;
  }

  function setProgress(percent) {
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    progress.setAttribute("aria-valuenow", String(percent));
  }

  input.addEventListener("change", function () {
    const problem = problemWith(input.files[0]);
    input.classList.toggle("is-invalid", Boolean(problem));
    fileError.textContent = problem || "";
  });

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    errorBox.classList.add("d-none");
    const file = input.files[0];
    const problem = problemWith(file);
    if (problem) {
      input.classList.add("is-invalid");
      fileError.textContent = problem;
      return;
    }
    button.disabled = true;
    let upload;
    try {
      const response = await fetch(form.dataset.uploadUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ filename: file.name, size: file.size }),
      });
      upload = await response.json();
      if (!response.ok) return showError(upload.error || "The upload could not be started.");
    } catch (err) {
      return showError("GAS could not be reached. Please try again.");
    }
    const data = new FormData();
    Object.entries(upload.fields).forEach(([k, v]) => data.append(k, v));
    data.append("file", file); // S3 wants the file last
    setProgress(0);
    progress.classList.remove("d-none");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) setProgress(Math.round((e.loaded / e.total) * 100));
    });
    xhr.addEventListener("loadend", function () {
      if (xhr.status >= 400) {
        return showError("Storage refused the upload (HTTP " + xhr.status + "). Please try again.");
      }
      // Success, or no readable answer (status 0: storage unreachable, or an answer CORS
      // hides): the server checks the object either way and, with the hint, says which.
      setProgress(100);
      window.location.assign(upload.submit_url + (xhr.status === 0 ? "&unreachable=1" : ""));
    });
    xhr.send(data);
  });
})();
