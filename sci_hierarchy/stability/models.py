r"""Models for the stability audit: one interface for numpy callables, torch modules and networks.

An :class:`AuditModel` maps measurements ``y`` (length ``m``, real or complex) to an output
vector (for imaging models: the flattened image).  It offers ``forward(y)`` and, when a
gradient is available, ``vjp(y, g)`` -- the vector--Jacobian product :math:`J(y)^*g` for the
real inner product :math:`\mathrm{Re}\langle u,v\rangle`, the protocol of
:func:`sci_hierarchy.stability.attacks.worst_case_perturbation`.

:func:`as_model` accepts

* an object with ``forward`` and ``vjp`` (e.g. :class:`sci_hierarchy.stability.attacks.LinearModel`);
* a ``torch.nn.Module``: called on a float64 tensor of shape ``(1, m)`` (real data) or
  ``(1, 2m)`` holding ``[Re y, Im y]`` (complex data), returning ``(1, n)``; gradients by autograd;
* a paper-class :class:`sci_hierarchy.problems.networks.Network`: float evaluation; gradients by central
  finite differences (``gradient='finite differences'``, measured); such a model can also be
  evaluated exactly (:meth:`AuditModel.evaluate_exact`), which instability certificates use;
* any numpy callable ``f(y) -> array``, with an optional ``vjp(y, g)``; without one only the
  derivative-free searches run (the report says so).

``lipschitz`` is the model's true Lipschitz constant where it is known (the pseudo-inverse of
an operator with orthonormal rows: exactly 1), else ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from sci_hierarchy.errors import InvalidArgument, describe

__all__ = ["AuditModel", "as_model", "firenet_model", "is_torch_module", "pinv_model"]

_FD_MAX_DIM = 2048  # finite-difference gradients beyond this input size would take too long


def is_torch_module(obj: Any) -> bool:
    """True when ``obj`` is a ``torch.nn.Module`` (without importing torch otherwise)."""
    for cls in type(obj).__mro__:
        if cls.__module__.startswith("torch.nn") and cls.__name__ == "Module":
            return True
    return False


class AuditModel:
    """A model under audit (see the module docstring).

    Parameters
    ----------
    forward : callable(y) -> 1-D array
    input_dim : int
        ``m``, the length of ``y``.
    vjp : callable(y, g) -> array, optional
    name, kind : str
        What the reports print (``kind``: 'linear', 'torch', 'network', 'firenet', 'callable').
    is_complex : bool
        Whether the model takes complex measurements.
    lipschitz : float, optional
        The true Lipschitz constant where it is known.
    gradient : str
        How ``vjp`` is obtained ('hand-written', 'autograd', 'finite differences', 'none').
    network : Network, optional
        A paper-class network behind ``forward`` (enables exact evaluation).
    """

    def __init__(self, forward: Callable[[np.ndarray], Any], *, input_dim: int, vjp: Callable[..., Any] | None = None,
                 name: str = "model", kind: str = "callable", is_complex: bool = False,
                 lipschitz: float | None = None, gradient: str | None = None, network: Any = None) -> None:
        if not callable(forward):
            raise InvalidArgument(f"forward={describe(forward)}: expected a callable y -> array")
        if vjp is not None and not callable(vjp):
            raise InvalidArgument(f"vjp={describe(vjp)}: expected a callable (y, g) -> array, or None")
        if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)) or input_dim < 1:
            raise InvalidArgument(f"input_dim={describe(input_dim)}: expected an int >= 1 (the length of y)")
        self._forward = forward
        self._vjp = vjp
        self.input_dim = int(input_dim)
        self.name, self.kind = str(name), str(kind)
        self.is_complex = bool(is_complex)
        self.lipschitz = None if lipschitz is None else float(lipschitz)
        self.gradient = gradient or ("supplied" if vjp is not None else "none")
        self.network = network

    @property
    def has_vjp(self) -> bool:
        return self._vjp is not None

    def forward(self, y: Any) -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (self.input_dim,):
            raise InvalidArgument(f"y.shape={y.shape!r}: expected ({self.input_dim},), the model's input size")
        out = np.asarray(self._forward(y))
        out = out.reshape(-1) if out.ndim > 1 and out.shape[0] == 1 else out
        if out.ndim != 1 or out.dtype.kind not in "iufc" or not np.all(np.isfinite(out)):
            raise InvalidArgument(f"model={self.name!r}: forward(y) returned {describe(out)}; "
                                  "expected a finite numeric vector")
        return out

    def vjp(self, y: Any, g: Any) -> np.ndarray:
        if self._vjp is None:
            raise InvalidArgument(f"model={self.name!r}: has no gradient (vjp); give one, or use the "
                                  "derivative-free searches only")
        return np.asarray(self._vjp(np.asarray(y), np.asarray(g)))

    def evaluate_exact(self, y: Any) -> list[Any]:
        """Exact (Fraction) evaluation: paper-class networks only."""
        if self.network is None:
            raise InvalidArgument(f"model={self.name!r}: exact evaluation needs a paper-class Network")
        return self.network.evaluate_exact(list(y))

    def __repr__(self) -> str:
        return f"AuditModel({self.name!r}, kind={self.kind!r}, m={self.input_dim})"


def _fd_vjp(forward: Callable[[np.ndarray], np.ndarray], m: int, cplx: bool, h: float = 1e-6
            ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Central finite-difference :math:`J^*g` (2m or 4m evaluations)."""

    def vjp(y: np.ndarray, g: np.ndarray) -> np.ndarray:
        out = np.zeros(m, dtype=np.complex128 if cplx else np.float64)
        for i in range(m):
            dirs = (1.0, 1j) if cplx else (1.0,)
            for d in dirs:
                e = np.zeros(m, dtype=out.dtype)
                e[i] = d * h
                dd = (np.asarray(forward(y + e)) - np.asarray(forward(y - e))) / (2 * h)
                out[i] += d * float(np.real(np.vdot(dd, g)))
        return out

    return vjp


def _torch_model(module: Any, input_dim: int | None, is_complex: bool, name: str) -> AuditModel:
    import torch

    if input_dim is None:
        raise InvalidArgument("input_dim=None: a torch module needs input_dim (the length m of y)")
    module = module.eval()
    dtype = next((p.dtype for p in module.parameters()), torch.float32)

    def pack(y: np.ndarray, grad: bool) -> Any:
        v = np.concatenate([np.real(y), np.imag(y)]) if is_complex else np.real(y)
        return torch.tensor(v[None, :], dtype=dtype, requires_grad=grad)

    def fwd(y: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return module(pack(y, False)).reshape(-1).double().numpy()

    def vjp(y: np.ndarray, g: np.ndarray) -> np.ndarray:
        t = pack(y, True)
        out = module(t).reshape(-1)
        (out * torch.tensor(np.real(g), dtype=out.dtype)).sum().backward()
        gr = t.grad[0].double().numpy()
        m = int(input_dim)
        return gr[:m] + 1j * gr[m:] if is_complex else gr

    return AuditModel(fwd, input_dim=input_dim, vjp=vjp, name=name, kind="torch", is_complex=is_complex,
                      gradient="autograd")


def as_model(obj: Any, *, input_dim: int | None = None, vjp: Callable[..., Any] | None = None,
             is_complex: bool | None = None, name: str | None = None, lipschitz: float | None = None) -> AuditModel:
    """Wrap ``obj`` as an :class:`AuditModel` (see the module docstring)."""
    if isinstance(obj, AuditModel):
        return obj
    from sci_hierarchy.problems.networks import Network

    nm = name or type(obj).__name__
    if isinstance(obj, Network):
        cplx = obj.is_complex if is_complex is None else bool(is_complex)
        m = obj.input_dim
        fv = vjp if vjp is not None else (_fd_vjp(obj.evaluate, m, cplx) if m <= _FD_MAX_DIM else None)
        return AuditModel(obj.evaluate, input_dim=m, vjp=fv, name=nm, kind="network", is_complex=cplx,
                          lipschitz=lipschitz, gradient="supplied" if vjp is not None else
                          ("finite differences" if fv is not None else "none"), network=obj)
    if is_torch_module(obj):
        return _torch_model(obj, input_dim, bool(is_complex), nm)
    if callable(getattr(obj, "forward", None)) and callable(getattr(obj, "vjp", None)):
        m_cb = input_dim or getattr(obj, "input_dim", None) or getattr(obj, "shape", (None,))[0]
        if m_cb is None:
            raise InvalidArgument(f"input_dim=None: cannot tell the input size of {describe(obj)}; give input_dim")
        cplx = bool(getattr(obj, "is_complex", False)) if is_complex is None else bool(is_complex)
        return AuditModel(obj.forward, input_dim=int(m_cb), vjp=obj.vjp, name=nm, kind="callable", is_complex=cplx,
                          lipschitz=lipschitz, gradient="hand-written")
    if callable(obj):
        if input_dim is None:
            raise InvalidArgument(f"input_dim=None: a plain callable {describe(obj)} needs input_dim (len(y))")
        return AuditModel(obj, input_dim=input_dim, vjp=vjp, name=nm, kind="callable", is_complex=bool(is_complex),
                          lipschitz=lipschitz)
    raise InvalidArgument(f"model={describe(obj)}: expected a torch.nn.Module, a Network, an object with "
                          "forward/vjp, or a callable y -> array")


def pinv_model(A: Any) -> AuditModel:
    r"""The pseudo-inverse :math:`A^\dagger` as a model.

    For the package's subsampled unitary operators (Fourier, Walsh, also composed with an
    orthonormal wavelet synthesis) the rows are orthonormal, :math:`AA^*=I`, so
    :math:`A^\dagger=A^*` and its Lipschitz constant is exactly 1.  A dense matrix gets
    ``numpy.linalg.pinv`` and the Lipschitz constant ``1/sigma_min`` (measured, SVD).
    """
    from sci_hierarchy.problems.operators import DenseOperator, as_operator

    op = as_operator(A)
    if isinstance(op, DenseOperator):
        M = op.to_matrix()
        P = np.linalg.pinv(M)
        s = np.linalg.svd(M, compute_uv=False)
        s = s[s > s[0] * 1e-12]
        return AuditModel(lambda y: P @ y, input_dim=op.shape[0], vjp=lambda y, g: P.conj().T @ g, name="pinv",
                          kind="linear", is_complex=bool(np.iscomplexobj(M)), lipschitz=float(1 / s[-1]),
                          gradient="hand-written")
    if op.norm_bound != 1.0:
        raise InvalidArgument(f"A={describe(A)}: pinv is built in for the package's operators with orthonormal "
                              "rows (norm_bound 1) and for dense matrices")
    return AuditModel(op.adjoint, input_dim=op.shape[0], vjp=lambda y, g: op.forward(g), name="pinv (A*)",
                      kind="linear", is_complex=bool(op.is_complex), lipschitz=1.0, gradient="hand-written")


def firenet_model(A: Any, config: Any, synthesis: Any = None) -> AuditModel:
    """FIRENET (:class:`sci_hierarchy.stability.attacks.FirenetModel`) with outputs mapped by ``synthesis``
    (e.g. the wavelet synthesis, so that outputs are images); hand-written VJP."""
    from sci_hierarchy.stability.attacks import FirenetModel
    from sci_hierarchy.problems.operators import as_operator

    fm = FirenetModel(A, config)
    if synthesis is None:
        return AuditModel(fm.forward, input_dim=fm.input_dim, vjp=fm.vjp, name="FIRENET", kind="firenet",
                          is_complex=fm.is_complex, gradient="hand-written")
    W = as_operator(synthesis)
    return AuditModel(lambda y: W.forward(fm.forward(y)), input_dim=fm.input_dim,
                      vjp=lambda y, g: fm.vjp(y, W.adjoint(g)), name="FIRENET", kind="firenet",
                      is_complex=fm.is_complex, gradient="hand-written")
