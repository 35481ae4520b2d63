"""Policies as data: one loader per YAML file under ``models/``, on one strict base.

Each file loads once into frozen pydantic objects (again only when it changes on disk), and a
mistake fails naming the file and the key. The files ship inside the package
(``credit_scoring/defaults/models``, linked to the repository's ``models/``); a deployment
points ``CREDIT_SCORING_POLICY_DIR`` at its own copy.

===================  ==========================  ================================
file                 loader                      what it decides
===================  ==========================  ================================
``publicity.yaml``   :func:`load_publicity_policy`  how long a record counts, by regime
``rules.yaml``       :func:`load_rule_policy`    the rule scorecard's points and bands
``grading.yaml``     :func:`load_grading_policy`  authoritative scorer, cut-offs, overrides
``sampling.yaml``    :func:`load_sampling_policy`  双随机 rates, eligibility, inspectors
``measures.yaml``    :func:`load_measures`       joint incentive and punishment measures
``lists.yaml``       :func:`load_list_policy`    list identification: criteria, notice, term
``workflows.yaml``   ``workflows.load_workflow_policy``  closed loops: 承诺, 约谈, 一公开
===================  ==========================  ================================
"""

from credit_scoring.policies._base import (
    GRADE_LABELS,
    GRADES,
    Strict,
    Text,
    Threshold,
    catalog_dir,
    file_sha256,
    load_yaml_model,
    policy_path,
)
from credit_scoring.policies.grading import GradingPolicy, Override, load_grading_policy
from credit_scoring.policies.lists import ListPolicy, load_list_policy
from credit_scoring.policies.measures import MeasuresPolicy, load_measures
from credit_scoring.policies.publicity import TIERS, PublicityPolicy, load_publicity_policy
from credit_scoring.policies.rules import RulePolicy, load_rule_policy
from credit_scoring.policies.sampling import (
    PLAN_STRATA,
    STRATA,
    STRATUM_LABELS,
    SamplingPolicy,
    load_sampling_policy,
    policy_digest,
)

__all__ = [
    "GRADES",
    "GRADE_LABELS",
    "PLAN_STRATA",
    "STRATA",
    "STRATUM_LABELS",
    "TIERS",
    "GradingPolicy",
    "ListPolicy",
    "MeasuresPolicy",
    "Override",
    "PublicityPolicy",
    "RulePolicy",
    "SamplingPolicy",
    "Strict",
    "Text",
    "Threshold",
    "catalog_dir",
    "file_sha256",
    "load_grading_policy",
    "load_list_policy",
    "load_measures",
    "load_publicity_policy",
    "load_rule_policy",
    "load_sampling_policy",
    "load_yaml_model",
    "policy_digest",
    "policy_path",
]
