"""Stability audit: instability made executable.

* :mod:`~sci_hierarchy.stability.models` -- adapters (numpy callables with an optional VJP,
  ``torch.nn.Module`` via autograd, the paper's :class:`~sci_hierarchy.networks.Network`, FIRENET);
* :mod:`~sci_hierarchy.stability.audit` -- the audit of one model on test images (worst-case
  l2 ratios, k-sparse perturbations, structural changes), ``sci-hierarchy audit``;
* :mod:`~sci_hierarchy.stability.sparse` -- k-sparse attacks (differential evolution and a
  gradient-guided search; the better is reported with its method);
* :mod:`~sci_hierarchy.stability.structural` -- added detail: recovered contrast, hallucination;
* :mod:`~sci_hierarchy.stability.nearkernel` -- near-kernel pairs for the package's operators;
* :mod:`~sci_hierarchy.stability.certificate` -- instability certificates and the model-free
  barrier (witness kinds ``instability`` and ``barrier``, re-checked by ``sci-hierarchy verify``);
* :mod:`~sci_hierarchy.stability.classifier` -- the digits classifier and the one-pixel attack.

The facts used are from Colbrook, Antun & Hansen, PNAS 119(12) e2107151119 (2022),
doi:10.1073/pnas.2107151119.
"""

from sci_hierarchy.stability.models import AuditModel, as_model

__all__ = ["AuditModel", "as_model"]
