"""Specs read from a define.xml with defects, marked so that they load and a user can repair them.

A define.xml can point at definitions it lacks (a MethodOID, CodeListOID or
CommentOID with no MethodDef, CodeList or CommentDef) or carry labels longer
than the 40 characters of an XPT label. ``cdisckit spec from-define`` reports
each such defect as a finding of the define validation (``structure.py``) and
still writes the specs: ``mark_defects`` gives every missing definition an
entry that says it is missing (a method to describe, a codelist to fill) and
keeps the first 40 characters of a long label, the full one in a comment.
Every mark starts with ``DEFECT``, so the repairs left to do are one search away.
"""

from dataclasses import replace

from specs.model import Codelist, Comment, Method

MARK = "DEFECT"
MAX_LABEL = 40


def mark_defects(study):
    """(a copy of ``study`` whose references all resolve and whose labels fit, the marks made)."""
    methods, codelists, comments = dict(study.methods), dict(study.codelists), dict(study.comments)
    marks, datasets = [], {}
    for ds in study.datasets.values():
        variables = []
        for var in [*ds.variables, *ds.value_level]:
            where = f"{ds.name}.{var.variable if hasattr(var, 'variable') else var.name}"
            if var.method and var.method not in methods:
                methods[var.method] = Method(id=var.method, name=var.method,
                                             description=f"{MARK}: the define.xml has no MethodDef for this "
                                                         f"method (used by {where}); describe the derivation")
                marks.append(f"method {var.method} ({where})")
            if var.codelist and var.codelist not in codelists:
                codelists[var.codelist] = Codelist(id=var.codelist, name=f"{MARK}: no CodeList in the define.xml "
                                                                      f"(used by {where}); add its terms")
                marks.append(f"codelist {var.codelist} ({where})")
            if var.comment and var.comment not in comments:
                comments[var.comment] = Comment(id=var.comment, text=f"{MARK}: the define.xml has no CommentDef "
                                                                     f"for this comment (used by {where})")
                marks.append(f"comment {var.comment} ({where})")
        for var in ds.variables:
            if var.label and len(var.label) > MAX_LABEL:
                var, note = _shortened(var, f"{ds.name}.{var.name}", comments)
                marks.append(note)
            variables.append(var)
        ds = replace(ds, variables=variables)
        if ds.comment and ds.comment not in comments:
            comments[ds.comment] = Comment(id=ds.comment, text=f"{MARK}: the define.xml has no CommentDef for "
                                                               f"this comment (used by {ds.name})")
            marks.append(f"comment {ds.comment} ({ds.name})")
        if ds.label and len(ds.label) > MAX_LABEL:
            ds, note = _shortened(ds, ds.name, comments)
            marks.append(note)
        datasets[ds.name] = ds
    return replace(study, methods=methods, codelists=codelists, comments=comments, datasets=datasets), marks


def _shortened(item, where, comments):
    """``item`` (a dataset or variable) with its label cut to 40 characters and the full label
    in a comment of its own (added to ``comments``), and what was done."""
    oid = f"{MARK}.{where}.LABEL"
    previous = comments.get(item.comment)
    text = f"{MARK}: the define.xml label {item.label!r} has {len(item.label)} characters; the first " \
           f"{MAX_LABEL} are kept, write a label of at most {MAX_LABEL}"
    comments[oid] = Comment(id=oid, text=f"{previous.text} {text}" if previous else text)
    return replace(item, label=item.label[:MAX_LABEL].rstrip(), comment=oid), f"label of {where}"
