"""Stability: worst-case perturbation search and the stability audit -- instability made executable.

* :mod:`~sci_hierarchy.stability.attacks` -- worst-case l2 perturbation search (hand-written gradients);

* :mod:`~sci_hierarchy.stability.models` -- adapters (numpy callables with an optional VJP,
  ``torch.nn.Module`` via autograd, the paper's :class:`~sci_hierarchy.problems.networks.Network`, FIRENET);
* :mod:`~sci_hierarchy.stability.audit` -- the audit of one model on test images (worst-case
  l2 ratios, k-sparse perturbations, structural changes), ``sci-hierarchy audit``;
* :mod:`~sci_hierarchy.stability.sparse` -- k-sparse attacks (differential evolution and a
  gradient-guided search; the better is reported with its method);
* :mod:`~sci_hierarchy.stability.structural` -- added detail: recovered contrast, hallucination;
* :mod:`~sci_hierarchy.stability.nearkernel` -- near-kernel pairs for the package's operators;
* :mod:`~sci_hierarchy.stability.certificate` -- instability certificates and the model-free
  barrier (witness kinds ``instability`` and ``barrier``, re-checked by ``sci-hierarchy verify``);
* :mod:`~sci_hierarchy.stability.classifier` -- the digits classifier and the one-pixel attack;
* :mod:`~sci_hierarchy.stability.measure` -- the one measurement of accuracy and stability that
  ``reproduce tradeoff`` and ``reproduce stability`` share (the U-Net family, FIRENET's converged
  point, the selection of the network most accurate on near-kernel detail).

The facts used are from Colbrook, Antun & Hansen, PNAS 119(12) e2107151119 (2022),
doi:10.1073/pnas.2107151119.
"""


from sci_hierarchy._lazy import reexport

# public names of these modules are re-exported here, imported on first use
__getattr__, __dir__ = reexport(__name__, ("attacks", "models"))
