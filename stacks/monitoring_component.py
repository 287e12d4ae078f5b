"""The alarms and dashboard of stacks/monitoring.py, declared for one participant."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from stacks import monitoring
from stacks.naming import Names
from stacks.stage_model import StageModel

COMPONENT_TYPE = "leda:monitoring:Monitoring"
COMPONENT_SUFFIX = "Monitoring"


class Monitoring(pulumi.ComponentResource):
    """Named `<prefix>-Monitoring`; each alarm `<prefix>-<logical>`, the dashboard
    `<prefix>-Dashboard`. Alarms and dashboards hold no data: any stage change may replace them."""

    def __init__(
        self,
        prefix: str,
        model: StageModel,
        region: str,
        watched: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(COMPONENT_TYPE, f"{prefix}-{COMPONENT_SUFFIX}", None, opts)
        names = Names(prefix)
        tags = {"project": "leda", "leda-participant": prefix}
        # After what they watch, so a new stack's alarms never point at names not yet made.
        child = pulumi.ResourceOptions(parent=self, depends_on=watched)
        self.alarms = [
            aws.cloudwatch.MetricAlarm(
                names.of(spec.logical),
                name=names.of(spec.logical),
                alarm_description=spec.description,
                namespace=spec.namespace,
                metric_name=spec.metric,
                dimensions=dict(spec.dimensions),
                statistic=spec.statistic,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                evaluation_periods=spec.evaluation_periods,
                period=spec.period_seconds,
                treat_missing_data=spec.treat_missing_data,
                tags=tags,
                opts=child,
            )
            for spec in monitoring.alarms(prefix, model)
        ]
        self.dashboard = aws.cloudwatch.Dashboard(
            names.of(monitoring.DASHBOARD),
            dashboard_name=names.of(monitoring.DASHBOARD),
            dashboard_body=monitoring.dashboard_body(prefix, model, region),
            opts=child,
        )
        self.exports = {"dashboardName": self.dashboard.dashboard_name}
        self.register_outputs(dict(self.exports))
