"""One module per rule. Import order is the order `metricc rules` lists them."""

from metricc.lint.rules.alert_fatigue import AlertFatigue
from metricc.lint.rules.deprecated_reference import DeprecatedReference
from metricc.lint.rules.duplicate_metric import DuplicateMetric
from metricc.lint.rules.empty_goal import EmptyGoal
from metricc.lint.rules.leading_without_lagging import LeadingWithoutLagging
from metricc.lint.rules.missing_action import MissingAction
from metricc.lint.rules.missing_owner import MissingOwner
from metricc.lint.rules.missing_review import MissingReview
from metricc.lint.rules.missing_target import MissingTarget
from metricc.lint.rules.north_star_count import NorthStarCount
from metricc.lint.rules.north_star_without_leading import NorthStarWithoutLeading
from metricc.lint.rules.orphan_metric import OrphanMetric
from metricc.lint.rules.small_sample import SmallSample
from metricc.lint.rules.suppressions import InvalidSuppression, UnusedSuppression
from metricc.lint.rules.threshold_conflict import ThresholdConflict
from metricc.lint.rules.too_many_key_metrics import TooManyKeyMetrics
from metricc.lint.rules.unreachable_burn_alert import UnreachableBurnAlert
from metricc.lint.rules.vanity_metric import VanityMetric

RULES = sorted(
    [
        AlertFatigue,
        DeprecatedReference,
        DuplicateMetric,
        EmptyGoal,
        LeadingWithoutLagging,
        MissingAction,
        MissingOwner,
        MissingReview,
        MissingTarget,
        NorthStarCount,
        NorthStarWithoutLeading,
        OrphanMetric,
        SmallSample,
        InvalidSuppression,
        UnusedSuppression,
        ThresholdConflict,
        TooManyKeyMetrics,
        UnreachableBurnAlert,
        VanityMetric,
    ],
    key=lambda rule: rule.code,
)
