"""双随机 inspection plans driven by grades: policy, draw, commitment, inspectors, evaluation.

The public surface the CLI and the HTTP API call (each documented where it is defined):

* :func:`create_plan`, :func:`load_plan`, :func:`list_plans`, :func:`verify_plan`;
* :func:`plan_csv_bytes`, :func:`plan_xlsx_bytes`, :func:`write_plan`;
* :func:`evaluate_plans` (IPW estimates against uniform sampling, with bootstrap CIs);
* :func:`inspection_frequencies` (the frequency list regulators ask for) and
  :func:`frequencies_csv_bytes`, :func:`frequencies_xlsx_bytes`;
* :class:`Scope` (department, regions, domains of a plan).

The policy is :mod:`credit_scoring.policies.sampling`. Module by module: ``frame`` (who may be
drawn), ``draw`` (allocation, stratified, PPS and optimal draws, exploration, exact
probabilities), ``optimal`` (the probabilities that maximise the violations expected),
``commitment`` (SHA-256),
``assignment`` (inspectors), ``plans`` (create, verify), ``storage`` (the store),
``exports``, ``evaluation``, ``frequencies``.
"""

from credit_scoring.supervision.evaluation import Evaluation, evaluate_plans
from credit_scoring.supervision.exports import plan_csv_bytes, plan_xlsx_bytes, write_plan
from credit_scoring.supervision.frame import Scope
from credit_scoring.supervision.frequencies import (
    frequencies_csv_bytes,
    frequencies_xlsx_bytes,
    inspection_frequencies,
)
from credit_scoring.supervision.plan import Plan, PlanHeader
from credit_scoring.supervision.plans import VerificationResult, create_plan, verify_plan
from credit_scoring.supervision.storage import list_plans, load_plan

__all__ = [
    "Evaluation",
    "Plan",
    "PlanHeader",
    "Scope",
    "VerificationResult",
    "create_plan",
    "evaluate_plans",
    "frequencies_csv_bytes",
    "frequencies_xlsx_bytes",
    "inspection_frequencies",
    "list_plans",
    "load_plan",
    "plan_csv_bytes",
    "plan_xlsx_bytes",
    "verify_plan",
    "write_plan",
]
