"""双随机 inspection plans driven by grades: policy, draw, commitment, inspectors, evaluation.

The public surface the CLI and the HTTP API call:

* :func:`create_plan`, :func:`load_plan`, :func:`list_plans`, :func:`verify_plan`;
* :func:`plan_csv_bytes`, :func:`plan_xlsx_bytes` (and ``write_plan`` to a path);
* :func:`evaluate_plans` (IPW estimates against uniform sampling);
* :func:`inspection_frequencies` (the frequency list regulators ask for);
* :func:`load_sampling_policy` and :class:`SamplingPolicy` (``models/sampling.yaml``).
"""

from credit_scoring.supervision.plans import Plan, VerificationResult, create_plan, verify_plan
from credit_scoring.supervision.policy import SamplingPolicy, load_sampling_policy
from credit_scoring.supervision.storage import list_plans, load_plan

__all__ = [
    "Plan",
    "SamplingPolicy",
    "VerificationResult",
    "create_plan",
    "list_plans",
    "load_plan",
    "load_sampling_policy",
    "verify_plan",
]
