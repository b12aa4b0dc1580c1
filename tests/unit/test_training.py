"""training.py and zoo.py: the data contract, exact evaluation of networks, the zoo."""

from fractions import Fraction

import numpy as np
import pytest

from sci_hierarchy.algorithms.running import builtin_algorithms, run_algorithm
from sci_hierarchy.errors import AlgorithmFailed, BudgetExceeded, InvalidArgument
from sci_hierarchy.oracles.core import Budget, ExactOracle, Reader
from sci_hierarchy.algorithms.training import TrainingData, network_output

from proofs_as_code import theorem1


@pytest.fixture(scope="module")
def setting():
    omega = theorem1.make_class("p3", 3)
    task, _ = theorem1.make_task(omega)
    return omega, task


def test_data_contract(setting):
    omega, task = setting
    reader = Reader(ExactOracle(omega.member(winner=1, gap_exponent=3)))
    data = task.interface(reader)
    assert data.shape == (21, 22) and data.num_samples == 5
    A = data.matrix(10)
    assert len(A) == 21 and len(A[0]) == 22 and all(isinstance(v, Fraction) for v in A[0])
    assert len(data.sample(4, 3)) == 21
    assert data.problem is omega.problem and data.omega is omega
    for bad in (-1, 5, 1.5, True):
        with pytest.raises(InvalidArgument):
            data.sample(bad, 3)
    assert reader.transcript.items == 2


@pytest.mark.parametrize("net, match", [
    (lambda y: [float("nan")] * 22, "finite"),
    (lambda y: [0.0] * 21, "N=22"),
    (lambda y: ["a"] * 22, "real numbers"),
    (lambda y: [1j] * 22, "real numbers"),
    (lambda y: 1 / 0, "ZeroDivisionError"),
    (42, "not a network"),
    (lambda y: np.zeros((2, 11)), "shape"),
])
def test_malformed_networks_are_reported(net, match):
    with pytest.raises(AlgorithmFailed, match=match):
        network_output(net, [Fraction(1)] + [Fraction(0)] * 20, 22)


def test_float_outputs_are_taken_at_their_exact_value():
    out = network_output(lambda y: np.full(3, 0.1), [Fraction(1, 2)], 3)
    assert out == (Fraction(0.1),) * 3


def test_inputs_exactly_representable_arrive_as_float_arrays():
    seen = []
    network_output(lambda y: seen.append(y) or [0], [Fraction(3, 256)], 1)
    assert isinstance(seen[0], np.ndarray) and seen[0][0] == 3 / 256
    network_output(lambda y: seen.append(y) or [0], [Fraction(1, 3)], 1)
    assert seen[1] == [Fraction(1, 3)]


@pytest.mark.parametrize("alg", [pytest.param(b, id=b.name, marks=[pytest.mark.heavy] if b.name in ("lista", "pdhg", "greedy")
                                  else []) for b in builtin_algorithms("training")])  # those three: seconds each
def test_every_zoo_member_runs_and_returns_an_evaluable_network(setting, alg):
    omega, task = setting
    run = run_algorithm(alg.function, ExactOracle(omega.member(scale="K-1", winner=2, gap_exponent=4)),
                        task, seed=7)
    assert run.ok, run.error
    assert len(run.value) == 5 and all(len(v) == 22 for v in run.value)


def test_budgets_bind_training_algorithms(setting):
    omega, task = setting
    from sci_hierarchy.zoo.builtin import greedy
    run = run_algorithm(greedy, ExactOracle(omega.tie()), task, budget=Budget(max_level=100))
    assert not run.ok and "budget" in run.error


def test_zoo_solvers_agree_with_the_closed_form_on_a_clear_winner():
    # away from ties (gap 4^0 = 1 at scale K-1 = 2) the solvers find the exact solution
    omega = theorem1.make_class("p3", 3)
    task, _ = theorem1.make_task(omega)
    inst = omega.member(scale="K-1", winner=2, gap_exponent=0)
    from sci_hierarchy.adversary.pairs import distance_to_solution
    for name in ("pdhg", "cvxpy"):
        alg = next(b for b in builtin_algorithms("training") if b.name == name)
        run = run_algorithm(alg.function, ExactOracle(inst), task)
        assert distance_to_solution(inst, run.value).hi < Fraction(1, 10**7), name


def test_torch_modules_and_tensors_are_networks():
    """Regression: an nn.Module returned as the network failed ('must be Tensor, not ndarray'),
    and a tensor output was refused ('outputs must be real numbers')."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    y = [Fraction(1, 2), Fraction(-3, 4), Fraction(1)]
    for dtype in (torch.float32, torch.float64):
        net = torch.nn.Linear(3, 2).to(dtype)
        out = network_output(net, y, 2)
        with torch.no_grad():
            ref = net(torch.tensor([0.5, -0.75, 1.0], dtype=dtype))
        assert out == tuple(Fraction(float(v)) for v in ref)
    net = torch.nn.Linear(3, 2).double()
    as_tensor = network_output(lambda v: net(torch.tensor(v)), y, 2)  # requires grad
    as_list = network_output(lambda v: list(net(torch.tensor(v))), y, 2)  # 0-d tensors
    assert as_tensor == as_list
    with pytest.raises(AlgorithmFailed, match="returned 1 numbers|returned 1 number"):
        network_output(lambda v: net(torch.tensor(v))[:1], y, 2)
