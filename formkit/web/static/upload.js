/* Upload progress for browsers that run scripts; without it the form posts as usual. */
(function () {
  var form = document.getElementById("upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  // the browser's own file picker says "Choose File / No file chosen" in its language:
  // with scripts, a Chinese button and the chosen file's name stand in for it
  var input = document.getElementById("file");
  if (input && input.parentNode) {
    var pick = document.createElement("label");
    pick.htmlFor = "file";
    pick.className = "button picker";
    pick.textContent = "选择文件";
    var chosen = document.createElement("span");
    chosen.id = "file-name";
    chosen.className = "muted";
    chosen.textContent = " 尚未选择文件";
    input.className += " picker-input";
    input.parentNode.insertBefore(pick, input);
    input.parentNode.appendChild(chosen);
    input.addEventListener("change", function () {
      chosen.textContent = input.files && input.files.length ? " " + input.files[0].name : " 尚未选择文件";
    });
  }
  var bar = document.getElementById("progress");
  var text = document.getElementById("progress-text");
  form.addEventListener("submit", function (event) {
    var xhr = new XMLHttpRequest();
    event.preventDefault();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    text.textContent = "正在上传……";
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { bar.value = Math.round(e.loaded * 100 / e.total); }
    };
    xhr.upload.onload = function () { bar.value = 100; text.textContent = "已上传，正在审核……"; };
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = null; }
      if (answer && answer.ok && answer.page) {
        window.location.href = answer.page + "?new=1";
      } else {
        bar.hidden = true;
        text.textContent = "";
        showError(answer && answer.message ? answer.message : "上传失败（" + xhr.status + "），请重试。");
      }
    };
    xhr.onerror = function () {
      bar.hidden = true;
      showError("网络中断，上传未完成，请重试。");
    };
    xhr.send(new FormData(form));
  });
  function showError(message) {
    var box = document.getElementById("result");
    if (!box) {
      box = document.createElement("div");
      box.id = "result";
      form.parentNode.insertBefore(box, form);
    }
    box.className = "alert bad";
    box.setAttribute("role", "alert");
    box.textContent = "未能受理：" + message;
  }
})();
