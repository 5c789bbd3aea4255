"""Field tables for the protobuf messages the simulator decodes: what kubectl's typed
generators send (`kubectl create namespace|configmap|secret|deployment|job|cronjob|
serviceaccount|role|rolebinding|clusterrole|clusterrolebinding|quota|priorityclass|
service|poddisruptionbudget|ingress`, `kubectl auth can-i`) and what they nest.

Each message is `{field number: (json name, type, *flags)}`. The numbers are the
Kubernetes wire protocol (k8s.io/api generated.proto); each table was checked against
the bytes kubectl 1.37 sends (tests/sim/test_protobuf_kubectl.py compares the decoded
body with kubectl's own `--dry-run=client -o json` of the same command).

Types: a scalar name, `map<V>` (map<string, V>), or another message's name.
Flags say how Go's JSON encoder would print the field, so a decoded body equals the
JSON body kubectl would have sent for the same object:
- REP: repeated (a JSON list);
- KEEP: printed even when zero — a pointer field (on the wire only when set) or a
  field without `omitempty` (`containerPort: 0`, `verbs: null`);
- INLINE: an embedded struct whose fields sit in the parent's JSON object
  (`VolumeSource` inside `Volume`, `LocalObjectReference` inside key selectors).
Nested messages are always printed when on the wire (Go prints structs even when
empty: `resources: {}`); a zero time is left out, as kubectl 1.37 prints it.

A message that is not here, or a field with a value that its table does not know, is
refused with a 400 naming it (never silently dropped): see docs/simulator.md.
"""

from __future__ import annotations

REP, KEEP, INLINE = "rep", "keep", "inline"

STRING, BYTES, BOOL, INT32, INT64 = "string", "bytes", "bool", "int32", "int64"
TIME = "time"  # metav1.Time: {1 seconds, 2 nanos}, printed RFC 3339 to the second
QUANTITY = "quantity"  # resource.Quantity: {1 string}, printed as that string
INT_OR_STRING = "intstr"  # {1 type (0 int, 1 string), 2 intVal, 3 strVal}

Field = tuple[str, ...]
Message = dict[int, Field]

MESSAGES: dict[str, Message] = {
    # ---------------------------------------------------------------- meta/v1
    "ObjectMeta": {
        1: ("name", STRING), 2: ("generateName", STRING), 3: ("namespace", STRING),
        4: ("selfLink", STRING), 5: ("uid", STRING), 6: ("resourceVersion", STRING),
        7: ("generation", INT64), 8: ("creationTimestamp", TIME),
        9: ("deletionTimestamp", TIME), 10: ("deletionGracePeriodSeconds", INT64, KEEP),
        11: ("labels", "map<string>"), 12: ("annotations", "map<string>"),
        13: ("ownerReferences", "OwnerReference", REP), 14: ("finalizers", STRING, REP),
    },
    "OwnerReference": {
        1: ("kind", STRING, KEEP), 3: ("name", STRING, KEEP), 4: ("uid", STRING, KEEP),
        5: ("apiVersion", STRING, KEEP), 6: ("controller", BOOL, KEEP),
        7: ("blockOwnerDeletion", BOOL, KEEP),
    },
    "LabelSelector": {
        1: ("matchLabels", "map<string>"), 2: ("matchExpressions", "LabelSelectorRequirement", REP),
    },
    "LabelSelectorRequirement": {
        1: ("key", STRING, KEEP), 2: ("operator", STRING, KEEP), 3: ("values", STRING, REP),
    },
    "DeleteOptions": {
        1: ("gracePeriodSeconds", INT64, KEEP), 2: ("preconditions", "Preconditions"),
        3: ("orphanDependents", BOOL, KEEP), 4: ("propagationPolicy", STRING, KEEP),
        5: ("dryRun", STRING, REP),
    },
    "Preconditions": {1: ("uid", STRING, KEEP), 2: ("resourceVersion", STRING, KEEP)},
    # ---------------------------------------------------------------- core/v1
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec"), 3: ("status", "NamespaceStatus")},
    "NamespaceSpec": {1: ("finalizers", STRING, REP)},
    "NamespaceStatus": {1: ("phase", STRING)},
    "ConfigMap": {
        1: ("metadata", "ObjectMeta"), 2: ("data", "map<string>"), 3: ("binaryData", "map<bytes>"),
        4: ("immutable", BOOL, KEEP),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta"), 2: ("data", "map<bytes>"), 3: ("type", STRING),
        4: ("stringData", "map<string>"), 5: ("immutable", BOOL, KEEP),
    },
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta"), 2: ("secrets", "ObjectReference", REP),
        3: ("imagePullSecrets", "LocalObjectReference", REP),
        4: ("automountServiceAccountToken", BOOL, KEEP),
    },
    "ObjectReference": {
        1: ("kind", STRING), 2: ("namespace", STRING), 3: ("name", STRING), 4: ("uid", STRING),
        5: ("apiVersion", STRING), 6: ("resourceVersion", STRING), 7: ("fieldPath", STRING),
    },
    "LocalObjectReference": {1: ("name", STRING)},
    "ResourceQuota": {
        1: ("metadata", "ObjectMeta"), 2: ("spec", "ResourceQuotaSpec"), 3: ("status", "ResourceQuotaStatus"),
    },
    "ResourceQuotaSpec": {
        1: ("hard", "map<quantity>"), 2: ("scopes", STRING, REP), 3: ("scopeSelector", "ScopeSelector"),
    },
    "ScopeSelector": {1: ("matchExpressions", "ScopedResourceSelectorRequirement", REP)},
    "ScopedResourceSelectorRequirement": {
        1: ("scopeName", STRING, KEEP), 2: ("operator", STRING, KEEP), 3: ("values", STRING, REP),
    },
    "ResourceQuotaStatus": {1: ("hard", "map<quantity>"), 2: ("used", "map<quantity>")},
    "Service": {1: ("metadata", "ObjectMeta"), 2: ("spec", "ServiceSpec"), 3: ("status", "ServiceStatus")},
    "ServiceSpec": {
        1: ("ports", "ServicePort", REP), 2: ("selector", "map<string>"), 3: ("clusterIP", STRING),
        4: ("type", STRING), 5: ("externalIPs", STRING, REP), 7: ("sessionAffinity", STRING),
        8: ("loadBalancerIP", STRING), 9: ("loadBalancerSourceRanges", STRING, REP),
        10: ("externalName", STRING), 11: ("externalTrafficPolicy", STRING),
        12: ("healthCheckNodePort", INT32), 13: ("publishNotReadyAddresses", BOOL),
    },
    "ServicePort": {
        1: ("name", STRING), 2: ("protocol", STRING), 3: ("port", INT32, KEEP),
        4: ("targetPort", INT_OR_STRING), 5: ("nodePort", INT32), 6: ("appProtocol", STRING, KEEP),
    },
    "ServiceStatus": {1: ("loadBalancer", "LoadBalancerStatus")},
    "LoadBalancerStatus": {1: ("ingress", "LoadBalancerIngress", REP)},
    "LoadBalancerIngress": {1: ("ip", STRING), 2: ("hostname", STRING)},
    # Pods, as nested in workload templates.
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec")},
    "PodSpec": {
        1: ("volumes", "Volume", REP), 2: ("containers", "Container", REP, KEEP),
        3: ("restartPolicy", STRING), 4: ("terminationGracePeriodSeconds", INT64, KEEP),
        5: ("activeDeadlineSeconds", INT64, KEEP), 6: ("dnsPolicy", STRING),
        7: ("nodeSelector", "map<string>"), 8: ("serviceAccountName", STRING),
        9: ("serviceAccount", STRING), 10: ("nodeName", STRING), 11: ("hostNetwork", BOOL),
        12: ("hostPID", BOOL), 13: ("hostIPC", BOOL),
        15: ("imagePullSecrets", "LocalObjectReference", REP), 16: ("hostname", STRING),
        17: ("subdomain", STRING), 19: ("schedulerName", STRING),
        20: ("initContainers", "Container", REP), 21: ("automountServiceAccountToken", BOOL, KEEP),
        22: ("tolerations", "Toleration", REP), 24: ("priorityClassName", STRING),
        25: ("priority", INT32, KEEP), 30: ("enableServiceLinks", BOOL, KEEP),
    },
    "Container": {
        1: ("name", STRING, KEEP), 2: ("image", STRING), 3: ("command", STRING, REP),
        4: ("args", STRING, REP), 5: ("workingDir", STRING), 6: ("ports", "ContainerPort", REP),
        7: ("env", "EnvVar", REP), 8: ("resources", "ResourceRequirements"),
        9: ("volumeMounts", "VolumeMount", REP), 13: ("terminationMessagePath", STRING),
        14: ("imagePullPolicy", STRING), 16: ("stdin", BOOL), 17: ("stdinOnce", BOOL),
        18: ("tty", BOOL), 19: ("envFrom", "EnvFromSource", REP),
        20: ("terminationMessagePolicy", STRING), 24: ("restartPolicy", STRING, KEEP),
    },
    "ContainerPort": {
        1: ("name", STRING), 2: ("hostPort", INT32), 3: ("containerPort", INT32, KEEP),
        4: ("protocol", STRING), 5: ("hostIP", STRING),
    },
    "EnvVar": {1: ("name", STRING, KEEP), 2: ("value", STRING), 3: ("valueFrom", "EnvVarSource")},
    "EnvVarSource": {
        1: ("fieldRef", "ObjectFieldSelector"), 3: ("configMapKeyRef", "ConfigMapKeySelector"),
        4: ("secretKeyRef", "SecretKeySelector"),
    },
    "ObjectFieldSelector": {1: ("apiVersion", STRING), 2: ("fieldPath", STRING, KEEP)},
    "ConfigMapKeySelector": {
        1: ("", "LocalObjectReference", INLINE), 2: ("key", STRING, KEEP), 3: ("optional", BOOL, KEEP),
    },
    "SecretKeySelector": {
        1: ("", "LocalObjectReference", INLINE), 2: ("key", STRING, KEEP), 3: ("optional", BOOL, KEEP),
    },
    "EnvFromSource": {
        1: ("prefix", STRING), 2: ("configMapRef", "ConfigMapEnvSource"), 3: ("secretRef", "SecretEnvSource"),
    },
    "ConfigMapEnvSource": {1: ("", "LocalObjectReference", INLINE), 2: ("optional", BOOL, KEEP)},
    "SecretEnvSource": {1: ("", "LocalObjectReference", INLINE), 2: ("optional", BOOL, KEEP)},
    "ResourceRequirements": {1: ("limits", "map<quantity>"), 2: ("requests", "map<quantity>")},
    "VolumeMount": {
        1: ("name", STRING, KEEP), 2: ("readOnly", BOOL), 3: ("mountPath", STRING, KEEP),
        4: ("subPath", STRING), 5: ("mountPropagation", STRING, KEEP), 6: ("subPathExpr", STRING),
    },
    "Toleration": {
        1: ("key", STRING), 2: ("operator", STRING), 3: ("value", STRING), 4: ("effect", STRING),
        5: ("tolerationSeconds", INT64, KEEP),
    },
    "Volume": {1: ("name", STRING, KEEP), 2: ("", "VolumeSource", INLINE)},
    "VolumeSource": {
        1: ("hostPath", "HostPathVolumeSource"), 2: ("emptyDir", "EmptyDirVolumeSource"),
        6: ("secret", "SecretVolumeSource"), 10: ("persistentVolumeClaim", "PersistentVolumeClaimVolumeSource"),
        19: ("configMap", "ConfigMapVolumeSource"),
    },
    "HostPathVolumeSource": {1: ("path", STRING, KEEP), 2: ("type", STRING, KEEP)},
    "EmptyDirVolumeSource": {1: ("medium", STRING), 2: ("sizeLimit", QUANTITY, KEEP)},
    "SecretVolumeSource": {
        1: ("secretName", STRING), 2: ("items", "KeyToPath", REP), 3: ("defaultMode", INT32, KEEP),
        4: ("optional", BOOL, KEEP),
    },
    "ConfigMapVolumeSource": {
        1: ("", "LocalObjectReference", INLINE), 2: ("items", "KeyToPath", REP),
        3: ("defaultMode", INT32, KEEP), 4: ("optional", BOOL, KEEP),
    },
    "KeyToPath": {1: ("key", STRING, KEEP), 2: ("path", STRING, KEEP), 3: ("mode", INT32, KEEP)},
    "PersistentVolumeClaimVolumeSource": {1: ("claimName", STRING, KEEP), 2: ("readOnly", BOOL)},
    # ---------------------------------------------------------------- apps/v1
    "Deployment": {
        1: ("metadata", "ObjectMeta"), 2: ("spec", "DeploymentSpec"), 3: ("status", "DeploymentStatus"),
    },
    "DeploymentSpec": {
        1: ("replicas", INT32, KEEP), 2: ("selector", "LabelSelector"), 3: ("template", "PodTemplateSpec"),
        4: ("strategy", "DeploymentStrategy"), 5: ("minReadySeconds", INT32),
        6: ("revisionHistoryLimit", INT32, KEEP), 7: ("paused", BOOL),
        9: ("progressDeadlineSeconds", INT32, KEEP),
    },
    "DeploymentStrategy": {1: ("type", STRING), 2: ("rollingUpdate", "RollingUpdateDeployment")},
    "RollingUpdateDeployment": {1: ("maxUnavailable", INT_OR_STRING), 2: ("maxSurge", INT_OR_STRING)},
    "DeploymentStatus": {
        1: ("observedGeneration", INT64), 2: ("replicas", INT32), 3: ("updatedReplicas", INT32),
        4: ("availableReplicas", INT32), 5: ("unavailableReplicas", INT32), 7: ("readyReplicas", INT32),
        8: ("collisionCount", INT32, KEEP), 9: ("terminatingReplicas", INT32, KEEP),
    },
    # ---------------------------------------------------------------- batch/v1
    "Job": {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec"), 3: ("status", "JobStatus")},
    "JobSpec": {
        1: ("parallelism", INT32, KEEP), 2: ("completions", INT32, KEEP),
        3: ("activeDeadlineSeconds", INT64, KEEP), 4: ("selector", "LabelSelector"),
        5: ("manualSelector", BOOL, KEEP), 6: ("template", "PodTemplateSpec"),
        7: ("backoffLimit", INT32, KEEP), 8: ("ttlSecondsAfterFinished", INT32, KEEP),
        9: ("completionMode", STRING, KEEP), 10: ("suspend", BOOL, KEEP),
    },
    "JobStatus": {
        2: ("startTime", TIME), 3: ("completionTime", TIME), 4: ("active", INT32),
        5: ("succeeded", INT32), 6: ("failed", INT32), 7: ("completedIndexes", STRING),
        9: ("ready", INT32, KEEP), 11: ("terminating", INT32, KEEP),
    },
    "CronJob": {1: ("metadata", "ObjectMeta"), 2: ("spec", "CronJobSpec"), 3: ("status", "CronJobStatus")},
    "CronJobSpec": {
        1: ("schedule", STRING, KEEP), 2: ("startingDeadlineSeconds", INT64, KEEP),
        3: ("concurrencyPolicy", STRING), 4: ("suspend", BOOL, KEEP), 5: ("jobTemplate", "JobTemplateSpec"),
        6: ("successfulJobsHistoryLimit", INT32, KEEP), 7: ("failedJobsHistoryLimit", INT32, KEEP),
        8: ("timeZone", STRING, KEEP),
    },
    "JobTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec")},
    "CronJobStatus": {
        1: ("active", "ObjectReference", REP), 4: ("lastScheduleTime", TIME), 5: ("lastSuccessfulTime", TIME),
    },
    # ------------------------------------------------------- rbac.authorization.k8s.io/v1
    "Role": {1: ("metadata", "ObjectMeta"), 2: ("rules", "PolicyRule", REP, KEEP)},
    "ClusterRole": {
        1: ("metadata", "ObjectMeta"), 2: ("rules", "PolicyRule", REP, KEEP),
        3: ("aggregationRule", "AggregationRule"),
    },
    "AggregationRule": {1: ("clusterRoleSelectors", "LabelSelector", REP)},
    "PolicyRule": {
        1: ("verbs", STRING, REP, KEEP), 2: ("apiGroups", STRING, REP), 3: ("resources", STRING, REP),
        4: ("resourceNames", STRING, REP), 5: ("nonResourceURLs", STRING, REP),
    },
    "RoleBinding": {1: ("metadata", "ObjectMeta"), 2: ("subjects", "Subject", REP), 3: ("roleRef", "RoleRef")},
    "ClusterRoleBinding": {
        1: ("metadata", "ObjectMeta"), 2: ("subjects", "Subject", REP), 3: ("roleRef", "RoleRef"),
    },
    "Subject": {
        1: ("kind", STRING, KEEP), 2: ("apiGroup", STRING), 3: ("name", STRING, KEEP), 4: ("namespace", STRING),
    },
    "RoleRef": {1: ("apiGroup", STRING, KEEP), 2: ("kind", STRING, KEEP), 3: ("name", STRING, KEEP)},
    # ------------------------------------------------- scheduling, policy, networking
    "PriorityClass": {
        1: ("metadata", "ObjectMeta"), 2: ("value", INT32, KEEP), 3: ("globalDefault", BOOL),
        4: ("description", STRING), 5: ("preemptionPolicy", STRING, KEEP),
    },
    "PodDisruptionBudget": {
        1: ("metadata", "ObjectMeta"), 2: ("spec", "PodDisruptionBudgetSpec"),
        3: ("status", "PodDisruptionBudgetStatus"),
    },
    "PodDisruptionBudgetSpec": {
        1: ("minAvailable", INT_OR_STRING), 2: ("selector", "LabelSelector"),
        3: ("maxUnavailable", INT_OR_STRING), 4: ("unhealthyPodEvictionPolicy", STRING, KEEP),
    },
    "PodDisruptionBudgetStatus": {
        1: ("observedGeneration", INT64), 2: ("disruptedPods", "map<time>"),
        3: ("disruptionsAllowed", INT32, KEEP), 4: ("currentHealthy", INT32, KEEP),
        5: ("desiredHealthy", INT32, KEEP), 6: ("expectedPods", INT32, KEEP),
    },
    "Ingress": {1: ("metadata", "ObjectMeta"), 2: ("spec", "IngressSpec"), 3: ("status", "IngressStatus")},
    "IngressSpec": {
        1: ("defaultBackend", "IngressBackend"), 2: ("tls", "IngressTLS", REP),
        3: ("rules", "IngressRule", REP), 4: ("ingressClassName", STRING, KEEP),
    },
    "IngressBackend": {4: ("service", "IngressServiceBackend")},
    "IngressServiceBackend": {1: ("name", STRING, KEEP), 2: ("port", "ServiceBackendPort")},
    "ServiceBackendPort": {1: ("name", STRING), 2: ("number", INT32)},
    "IngressTLS": {1: ("hosts", STRING, REP), 2: ("secretName", STRING)},
    "IngressRule": {1: ("host", STRING), 2: ("", "IngressRuleValue", INLINE)},
    "IngressRuleValue": {1: ("http", "HTTPIngressRuleValue")},
    "HTTPIngressRuleValue": {1: ("paths", "HTTPIngressPath", REP, KEEP)},
    "HTTPIngressPath": {1: ("path", STRING), 2: ("backend", "IngressBackend"), 3: ("pathType", STRING, KEEP)},
    "IngressStatus": {1: ("loadBalancer", "IngressLoadBalancerStatus")},
    "IngressLoadBalancerStatus": {1: ("ingress", "IngressLoadBalancerIngress", REP)},
    "IngressLoadBalancerIngress": {1: ("ip", STRING), 2: ("hostname", STRING)},
    # ------------------------------------------------------- authorization.k8s.io/v1
    "SelfSubjectAccessReview": {
        1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectAccessReviewSpec"),
        3: ("status", "SubjectAccessReviewStatus"),
    },
    "SelfSubjectAccessReviewSpec": {
        1: ("resourceAttributes", "ResourceAttributes"), 2: ("nonResourceAttributes", "NonResourceAttributes"),
    },
    "ResourceAttributes": {
        1: ("namespace", STRING), 2: ("verb", STRING), 3: ("group", STRING), 4: ("version", STRING),
        5: ("resource", STRING), 6: ("subresource", STRING), 7: ("name", STRING),
    },
    "NonResourceAttributes": {1: ("path", STRING), 2: ("verb", STRING)},
    "SubjectAccessReviewStatus": {
        1: ("allowed", BOOL, KEEP), 2: ("reason", STRING), 3: ("evaluationError", STRING), 4: ("denied", BOOL),
    },
}

# The top-level message of each (apiVersion, kind) an envelope may carry.
KINDS: dict[tuple[str, str], str] = {
    **{("v1", k): k for k in ("Namespace", "ConfigMap", "Secret", "ServiceAccount", "ResourceQuota", "Service")},
    ("apps/v1", "Deployment"): "Deployment",
    ("batch/v1", "Job"): "Job",
    ("batch/v1", "CronJob"): "CronJob",
    **{("rbac.authorization.k8s.io/v1", k): k for k in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")},
    ("scheduling.k8s.io/v1", "PriorityClass"): "PriorityClass",
    ("policy/v1", "PodDisruptionBudget"): "PodDisruptionBudget",
    ("networking.k8s.io/v1", "Ingress"): "Ingress",
    ("authorization.k8s.io/v1", "SelfSubjectAccessReview"): "SelfSubjectAccessReview",
    # Typed deletes send their options in the same envelope.
    **{(v, "DeleteOptions"): "DeleteOptions" for v in ("v1", "meta.k8s.io/v1")},
}
