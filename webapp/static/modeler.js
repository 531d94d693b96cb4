/* The analysts' web modeler: bpmn-js (served from webapp/static/vendor, see `make modeler`), our side panel for the
   properties the engine reads (spiffworkflow:properties), the form editor, save → server-side lint → findings marked
   on the elements and listed (each selects its element), and the deploy form of a clean save. No inline script: the
   page's data comes from a JSON <script> block and data attributes. */
(function () {
  "use strict";

  var root = document.querySelector("[data-modeler]");
  if (!root || typeof window.BpmnJS !== "function") { return; }
  var texts = document.querySelector("[data-texts]").dataset;
  var source = JSON.parse(document.getElementById("modeler-source").textContent);
  var forms = source.forms || {};
  var changedForms = {};
  var draftId = source.draft_id;
  var current = null;  // the selected diagram element
  var findings = [];
  var status = root.querySelector("[data-status]");
  var pick = root.querySelector("[data-element-pick]");
  var panel = root.querySelector("[data-panel]");
  var formJson = root.querySelector("[data-form-json]");
  var modeler;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }

  function say(text) { status.textContent = text; }

  // --- spiffworkflow:properties of an element -------------------------------------------------------------
  function propertiesOf(bo) {
    var ext = bo.extensionElements;
    var values = ext && ext.values ? ext.values : [];
    for (var i = 0; i < values.length; i++) {
      if (values[i].$type === "spiffworkflow:Properties") { return values[i]; }
    }
    return null;
  }

  function readProperty(bo, name) {
    var props = propertiesOf(bo);
    var list = props && props.properties ? props.properties : [];
    for (var i = 0; i < list.length; i++) { if (list[i].name === name) { return list[i].value || ""; } }
    return "";
  }

  function writeProperty(element, name, value) {
    var moddle = modeler.get("moddle");
    var modeling = modeler.get("modeling");
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      ext = moddle.create("bpmn:ExtensionElements", { values: [] });
      modeling.updateProperties(element, { extensionElements: ext });
    }
    var props = propertiesOf(bo);
    if (!props) {
      props = moddle.create("spiffworkflow:Properties", { properties: [] });
      modeling.updateModdleProperties(element, ext, { values: (ext.values || []).concat([props]) });
    }
    var list = (props.properties || []).slice();
    var found = list.filter(function (p) { return p.name === name; })[0];
    if (found && value === "") {
      modeling.updateModdleProperties(element, props, { properties: list.filter(function (p) { return p !== found; }) });
    } else if (found) {
      modeling.updateModdleProperties(element, found, { value: value });
    } else if (value !== "") {
      var created = moddle.create("spiffworkflow:Property", { name: name, value: value });
      modeling.updateModdleProperties(element, props, { properties: list.concat([created]) });
    }
  }

  // --- the side panel ------------------------------------------------------------------------------------
  function listElements() {
    var registry = modeler.get("elementRegistry");
    var keep = pick.options[0];
    pick.innerHTML = "";
    pick.appendChild(keep);
    registry.filter(function (e) {
      return e.businessObject && e.businessObject.id && e.type !== "label" && e.type !== "bpmn:Process"
        && e.type !== "bpmn:Collaboration";
    }).sort(function (a, b) { return a.id < b.id ? -1 : 1; }).forEach(function (e) {
      var option = document.createElement("option");
      option.value = e.id;
      option.textContent = (e.businessObject.name ? e.businessObject.name + " — " : "") + e.id;
      pick.appendChild(option);
    });
  }

  function show(element) {
    current = element && element.type !== "label" ? element : (element ? element.labelTarget : null);
    root.querySelector("[data-panel-empty]").hidden = !!current;
    panel.hidden = !current;
    if (!current) { pick.value = ""; return; }
    var bo = current.businessObject;
    pick.value = current.id;
    panel.querySelector('[data-slot="type"]').textContent = current.type.replace("bpmn:", "");
    panel.querySelector('[data-slot="id"]').textContent = current.id;
    panel.querySelector("[data-name]").value = bo.name || "";
    var isTask = current.type === "bpmn:UserTask";
    panel.querySelector("[data-task-fields]").hidden = !isTask;
    panel.querySelectorAll("[data-property]").forEach(function (input) {
      var value = isTask ? readProperty(bo, input.dataset.property) : "";
      if (input.tagName === "SELECT" && value && !Array.prototype.some.call(input.options, function (o) {
        return o.value === value;
      })) {
        var option = document.createElement("option");
        option.value = option.textContent = value;
        input.appendChild(option);
      }
      input.value = value;
    });
    showForm(isTask ? readProperty(bo, "formJsonSchemaFilename") : "");
  }

  function showForm(name) {
    var editor = panel.querySelector("[data-form-editor]");
    editor.hidden = !name;
    formJson.dataset.form = name || "";
    panel.querySelector('[data-slot="form"]').textContent = name || "";
    if (!name) { return; }
    formJson.value = name in forms ? forms[name] : "";
    showFormErrors(name);
  }

  function showFormErrors(name) {
    var box = root.querySelector("[data-form-errors]");
    box.innerHTML = "";
    if (!(name in forms)) { box.textContent = texts.unchangedForm; }
    findings.filter(function (f) { return f.file === "forms/" + name; }).forEach(function (f) {
      var line = document.createElement("p");
      line.textContent = "!" + f.number + (f.line ? " (" + f.line + (f.column ? ":" + f.column : "") + ")" : "")
        + " " + f.message;
      box.appendChild(line);
    });
    formJson.setAttribute("aria-invalid", box.textContent ? "true" : "false");
  }

  function bindPanel() {
    pick.addEventListener("change", function () {
      var element = modeler.get("elementRegistry").get(pick.value);
      if (element) { select(element); }
    });
    panel.querySelector("[data-name]").addEventListener("change", function (event) {
      if (current) { modeler.get("modeling").updateLabel(current, event.target.value); }
    });
    panel.querySelectorAll("[data-property]").forEach(function (input) {
      input.addEventListener("change", function () {
        if (!current) { return; }
        writeProperty(current, input.dataset.property, input.value.trim());
        if (input.dataset.property === "formJsonSchemaFilename") { showForm(input.value.trim()); }
      });
    });
    formJson.addEventListener("input", function () {
      var name = formJson.dataset.form;
      if (!name) { return; }
      forms[name] = formJson.value;
      changedForms[name] = formJson.value;
      var box = root.querySelector("[data-form-errors]");
      try { JSON.parse(formJson.value); box.textContent = ""; formJson.setAttribute("aria-invalid", "false"); }
      catch (error) {
        box.textContent = fill(texts.jsonInvalid, { message: error.message });
        formJson.setAttribute("aria-invalid", "true");
      }
    });
  }

  function fit() {
    // The whole diagram in view, shifted right of the tool palette (which would otherwise cover the first lane's
    // shapes).
    var canvas = modeler.get("canvas");
    canvas.zoom("fit-viewport");
    canvas.zoom(canvas.zoom() * 0.9);
    canvas.scroll({ dx: 70, dy: 10 });
  }

  function select(element) {
    modeler.get("selection").select(element);
    modeler.get("canvas").scrollToElement(element);
    show(element);
  }

  // --- save, lint findings, deploy ------------------------------------------------------------------------
  function clearMarks() {
    var canvas = modeler.get("canvas");
    modeler.get("overlays").remove({ type: "lint" });
    modeler.get("elementRegistry").forEach(function (e) {
      canvas.removeMarker(e, "lint-error");
      canvas.removeMarker(e, "lint-warning");
    });
  }

  function markFindings() {
    var registry = modeler.get("elementRegistry");
    var canvas = modeler.get("canvas");
    var overlays = modeler.get("overlays");
    var byElement = {};
    findings.forEach(function (f) {
      if (f.element && registry.get(f.element)) { (byElement[f.element] = byElement[f.element] || []).push(f); }
    });
    Object.keys(byElement).forEach(function (id) {
      var list = byElement[id];
      var severe = list.some(function (f) { return f.severity === "error"; });
      canvas.addMarker(id, severe ? "lint-error" : "lint-warning");
      var badge = document.createElement("span");
      badge.className = "lint-overlay lint-overlay-" + (severe ? "error" : "warning");
      badge.textContent = "!" + list.map(function (f) { return f.number; }).join(",");
      overlays.add(id, "lint", { position: { top: -12, left: -12 }, html: badge });
    });
  }

  function listFindings(result) {
    var list = root.querySelector("[data-findings]");
    list.innerHTML = "";
    root.querySelector("[data-lint-empty]").hidden = true;
    root.querySelector("[data-lint-summary]").textContent = fill(texts.summary,
      { errors: result.errors, warnings: result.warnings });
    findings.forEach(function (f) {
      var item = document.createElement("li");
      item.className = "finding finding-" + f.severity;
      item.value = f.number;
      var head = document.createElement("span");
      head.className = "change-badge finding-badge-" + f.severity;
      head.textContent = "!" + f.number;
      item.appendChild(head);
      var what = document.createElement("strong");
      what.textContent = " " + (f.severity === "error" ? texts.error : texts.warning) + " · " + f.rule + " ";
      item.appendChild(what);
      if (f.element && modeler.get("elementRegistry").get(f.element)) {
        var go = document.createElement("button");
        go.type = "button";
        go.className = "link mono";
        go.textContent = f.element;
        go.setAttribute("aria-label", fill(texts.selectElement, { id: f.element }));
        go.addEventListener("click", function () { select(modeler.get("elementRegistry").get(f.element)); });
        item.appendChild(go);
      } else if (f.element) {
        item.appendChild(document.createTextNode(f.element));
      }
      var message = document.createElement("div");
      message.textContent = f.message;
      item.appendChild(message);
      if (f.hint) {
        var hint = document.createElement("div");
        hint.className = "muted small";
        hint.textContent = texts.hint + ": " + f.hint;
        item.appendChild(hint);
      }
      var where = document.createElement("div");
      where.className = "muted small mono";
      where.textContent = f.file + (f.line ? ":" + f.line + (f.column ? ":" + f.column : "") : "");
      item.appendChild(where);
      list.appendChild(item);
    });
  }

  function showDeploy(result) {
    var box = root.querySelector("[data-deploy]");
    box.hidden = result.errors > 0;
    root.querySelector("[data-deploy-form]").action = result.deploy_url;
    root.querySelector("[data-draft-link]").href = result.draft_url;
    var same = root.querySelector("[data-same-as-box]");
    same.hidden = !result.same_as_version;
    same.textContent = result.same_as_version ? fill(texts.sameAs, { id: result.same_as_version }) : "";
  }

  function save() {
    say(texts.saving);
    modeler.saveXML({ format: true }).then(function (out) {
      return fetch(root.dataset.saveUrl, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
        body: JSON.stringify({ draft_id: draftId, bpmn: out.xml, forms: changedForms, filename: source.filename })
      });
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) {
        var fields = Object.keys(answer.body.fields || {}).map(function (k) { return answer.body.fields[k]; });
        say(fill(texts.failed, { message: [answer.body.message].concat(fields).join(" ") }));
        return;
      }
      var result = answer.body;
      draftId = result.draft_id;
      changedForms = {};
      findings = result.findings;
      clearMarks();
      markFindings();
      listFindings(result);
      showDeploy(result);
      if (current) { showFormErrors(formJson.dataset.form || ""); }
      say(fill(result.errors ? texts.savedErrors : texts.savedClean, { id: result.draft_id, n: result.errors }));
    }).catch(function (error) { say(fill(texts.failed, { message: error.message || String(error) })); });
  }

  // --- start ----------------------------------------------------------------------------------------------
  fetch(root.dataset.moddleUrl, { credentials: "same-origin" }).then(function (r) { return r.json(); })
    .then(function (descriptor) {
      modeler = new window.BpmnJS({ container: root.querySelector("[data-canvas]"),
                                    moddleExtensions: { spiffworkflow: descriptor } });
      return modeler.importXML(source.bpmn);
    }).then(function () {
      fit();
      listElements();
      bindPanel();
      modeler.get("eventBus").on("selection.changed", function (event) {
        show(event.newSelection.length === 1 ? event.newSelection[0] : null);
      });
      modeler.get("eventBus").on(["shape.added", "shape.removed"], function () { listElements(); });
      root.querySelector('[data-action="save"]').addEventListener("click", save);
      root.querySelector('[data-action="fit"]').addEventListener("click", fit);
      root.dataset.ready = "1";
    }).catch(function (error) { say(fill(texts.importFailed, { message: error.message || String(error) })); });
}());
