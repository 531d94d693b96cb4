"""The SOP document generated from the model (``make docs``): header, sections A–G, section H as the
Permenpan-RB table, approval; and its appendix (the BPMN diagram, "Catatan sistem").

Reads the BPMN (steps, actors as section D names them, branches, Mutu Baku, system due dates) and its
``.sop.json`` sidecar (header data); draws the flowchart with ``engine.render``. Output is deterministic, so a test
can tell when ``docs/`` is stale.
"""
from .document import DocsError, generate_docs, render_appendix, render_flowchart, render_html, render_markdown
from .model import Deadline, SopDocument, Step, SystemDeadline, build_document, load_document

__all__ = ["Deadline", "DocsError", "SopDocument", "Step", "SystemDeadline", "build_document", "generate_docs",
           "load_document", "render_appendix", "render_flowchart", "render_html", "render_markdown"]
