"""A small U-Net in PyTorch (CPU) reconstructing images from ``A* y``, and its attack adapter.

PyTorch is optional (the ``learn`` extra) and imported lazily by :func:`torch_module`.

Architecture (the authors' code facts, scaled down): input ``A* y`` as two channels (real,
imaginary), ``depth`` down/up levels, ``base`` features doubling per level, two 3x3 convolutions with
BatchNorm and ReLU per block, max-pooling down, transposed convolutions up, skip connections by
concatenation, a final 1x1 convolution to one channel **plus the real part of the input** (residual
learning; the authors' U-Net has no such skip -- it is added here so that a short CPU training budget
suffices).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sci_hierarchy.errors import InvalidArgument

__all__ = ["torch_module", "build_unet", "UnetModel", "adjoint_image_torch"]


def torch_module() -> Any:
    """``import torch`` or a one-line :class:`InvalidArgument` saying how to install it."""
    try:
        import torch
    except ImportError:
        raise InvalidArgument("the stability experiment needs PyTorch: install the learn extra "
                              "(pip install 'sci_hierarchy[learn]', CPU build: pip install torch==2.13.0)") from None
    return torch


def build_unet(*, depth: int = 3, base: int = 16) -> Any:
    """A U-Net module (2 input channels, 1 output channel); spatial size divisible by ``2**depth``."""
    torch = torch_module()
    nn = torch.nn

    def block(cin: int, cout: int) -> Any:
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        )

    Module: Any = nn.Module  # torch is imported lazily, so its class is a runtime value here

    class UNet(Module):
        def __init__(self) -> None:
            super().__init__()
            ch = [base * 2 ** k for k in range(depth + 1)]
            self.down = nn.ModuleList([block(2, ch[0])] + [block(ch[k], ch[k + 1]) for k in range(depth)])
            self.pool = nn.MaxPool2d(2)
            self.up = nn.ModuleList([nn.ConvTranspose2d(ch[k + 1], ch[k], 2, stride=2) for k in reversed(range(depth))])
            self.dec = nn.ModuleList([block(2 * ch[k], ch[k]) for k in reversed(range(depth))])
            self.head = nn.Conv2d(ch[0], 1, 1)

        def forward(self, x: Any) -> Any:
            skips = []
            h = x
            for k, d in enumerate(self.down):
                h = d(h)
                if k < depth:
                    skips.append(h)
                    h = self.pool(h)
            for up, dec in zip(self.up, self.dec):
                h = up(h)
                h = dec(torch.cat([h, skips.pop()], dim=1))
            return self.head(h) + x[:, :1]

    return UNet()


def adjoint_image_torch(y_re: Any, y_im: Any, flat: Any, N: int) -> Any:
    """``A* y`` for ``A = P_Omega F`` (centred unitary DFT, as operators.SubsampledFourier2D) in torch.

    ``y_re``, ``y_im``: (B, m) tensors; returns a (B, 2, N, N) real tensor (real, imaginary channels)."""
    torch = torch_module()
    B = y_re.shape[0]
    full = torch.zeros(B, N * N, dtype=torch.complex128 if y_re.dtype == torch.float64 else torch.complex64)
    full = full.index_put((torch.arange(B)[:, None], flat[None, :].expand(B, -1)), torch.complex(y_re, y_im))
    k = full.reshape(B, N, N)
    img = torch.fft.ifft2(torch.fft.ifftshift(k, dim=(-2, -1)), norm="ortho")
    return torch.stack([img.real, img.imag], dim=1)


class UnetModel:
    """A trained U-Net as a :class:`~sci_hierarchy.stability.attacks.DifferentiableModel` on measurements ``y``.

    ``forward(y)`` (y complex, length m) returns the flattened real image (N*N,);
    ``vjp(y, g)`` returns :math:`J(y)^*g` for the real inner product on the complex input, by torch
    autograd (the gradient with respect to ``Re y`` plus ``i`` times that with respect to ``Im y``).
    """

    is_complex = True

    def __init__(self, net: Any, mask: np.ndarray) -> None:
        torch = torch_module()
        self.net = net.eval()
        self.N = int(mask.shape[0])
        self.flat = torch.as_tensor(np.flatnonzero(mask), dtype=torch.long)
        self.shape = (int(mask.sum()), self.N * self.N)

    def _run(self, y: np.ndarray, grad: bool) -> tuple[Any, Any, Any]:
        torch = torch_module()
        y = np.asarray(y)
        if y.shape != (self.shape[0],):
            raise InvalidArgument(f"y.shape={y.shape!r}: expected ({self.shape[0]},)")
        a = torch.tensor(np.real(y)[None, :], dtype=torch.float32, requires_grad=grad)
        b = torch.tensor(np.imag(y)[None, :], dtype=torch.float32, requires_grad=grad)
        out = self.net(adjoint_image_torch(a, b, self.flat, self.N))
        return out.reshape(-1), a, b

    def forward(self, y: np.ndarray) -> np.ndarray:
        torch = torch_module()
        with torch.no_grad():
            out, _, _ = self._run(y, False)
        return out.double().numpy()

    def vjp(self, y: np.ndarray, cotangent: np.ndarray) -> np.ndarray:
        torch = torch_module()
        out, a, b = self._run(y, True)
        g = torch.tensor(np.real(np.asarray(cotangent)), dtype=torch.float32)
        (out * g).sum().backward()
        return a.grad[0].double().numpy() + 1j * b.grad[0].double().numpy()

    def batch_forward(self, Y: np.ndarray) -> np.ndarray:
        """Images (B, N, N) for measurements (B, m)."""
        torch = torch_module()
        with torch.no_grad():
            a = torch.tensor(np.real(Y), dtype=torch.float32)
            b = torch.tensor(np.imag(Y), dtype=torch.float32)
            return self.net(adjoint_image_torch(a, b, self.flat, self.N))[:, 0].double().numpy()
