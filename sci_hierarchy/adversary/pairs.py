"""Consistent-answer adversaries and the witnesses they return.

The construction (Colbrook, Antun & Hansen 2022, doi:10.1073/pnas.2107151119; docs/model.md): a *pair family* gives a
tie instance ι^0 and, for every n, two instances ι^1_n, ι^2_n whose data are
within 4^-n of ι^0's but whose solution sets are far apart.  The adversary

1. runs the algorithm on ι^0 with answers *frozen* to ι^0 (certified nearest
   dyadics) and records the transcript;
2. reads the highest level used, and picks n beyond it -- the smallest n for
   which every answer given is *proved* admissible for both ι^1_n and ι^2_n;
3. then the algorithm's output is the same on all three (it read the same
   answers), and it is far from the solution set of at least one of ι^1_n,
   ι^2_n.  The witness records that instance, the other one, the transcript
   and the exact distance bound.

For randomised algorithms the same is done for every design seed; the
instance failed by at least half of the seeds is chosen, and fresh seeds are
run against the adversarial oracle of that instance, with an exact one-sided
Clopper–Pearson bound on the failure probability.

Witness checking (registered by importing this module, for the kinds ``consistent_pair``,
``randomised_pair``, ``success`` and ``reads_beyond``) recomputes everything
from the witness: instances are rebuilt from their JSON, every answer is
checked admissible with :func:`~sci_hierarchy.oracles.core.admissible`, and
distances are recomputed in exact interval arithmetic.

The construction lives in four modules, re-exported here (this is where the names were defined
before, and where callers import them from): :mod:`~sci_hierarchy.adversary.measure` (distances,
the Clopper–Pearson bound), :mod:`~sci_hierarchy.adversary.records` (the witness's transcript and
instances, written and read back), :mod:`~sci_hierarchy.adversary.attacks` (the attacks and
demonstrations) and :mod:`~sci_hierarchy.adversary.checkers` (the registered checkers and claim
hooks; importing this module registers them).
"""

from __future__ import annotations

from sci_hierarchy.adversary.attacks import (
    PairFamily,
    admissible_up_to,
    composite_witness,
    consistent_pair_attack,
    randomised_pair_attack,
    reads_beyond_demonstration,
    success_demonstration,
)
from sci_hierarchy.adversary.checkers import COMMON_FIELDS, KIND_FIELDS, claim_hooks, register_claim_hook
from sci_hierarchy.adversary.measure import (
    EXACT_BITS,
    MAX_OUTPUT_BITS,
    ROUND_BITS,
    NoVerdict,
    clopper_pearson_lower,
    distance_to_solution,
    output_bits,
    run_distance,
)
from sci_hierarchy.adversary.records import (
    CheckedTranscript,
    TranscriptBuilder,
    block_admissible,
    deterministic_runs_agree,
    exact_field,
    rebuild_instances,
    seal,
    split_key,
    witness_base,
)

__all__ = [
    "PairFamily",
    "NoVerdict",
    "distance_to_solution",
    "consistent_pair_attack",
    "randomised_pair_attack",
    "success_demonstration",
    "reads_beyond_demonstration",
    "clopper_pearson_lower",
    "composite_witness",
    "admissible_up_to",
    "register_claim_hook",
    "claim_hooks",
    "CheckedTranscript",
    "rebuild_instances",
]

# The names these had when they were private to this module (kept for code written against them).
_Checked = CheckedTranscript
_rebuild = rebuild_instances
_claim_hooks = claim_hooks
_admissible_up_to = admissible_up_to
_run_distance = run_distance
_seal = seal
_base = witness_base
_TranscriptBuilder = TranscriptBuilder
_block_admissible = block_admissible
_split_key = split_key
_exact_field = exact_field
_deterministic_runs_agree = deterministic_runs_agree
_EXPORTED = (COMMON_FIELDS, KIND_FIELDS, EXACT_BITS, ROUND_BITS, MAX_OUTPUT_BITS, output_bits)
