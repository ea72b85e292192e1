//! Pods shaped as a Kubernetes 1.33 API server returns them in a list: a Deployment's
//! pod with managed fields, probes, environment, the projected service account volume,
//! and a running container's status. Used to measure what a list page of real pods
//! weighs (the default of `max_response_size` rests on it).

// Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use serde_json::{Value, json};

/// Pod number `i` of a web Deployment in namespace `ns`, on one of 50 nodes.
pub fn realistic_pod(ns: &str, i: usize) -> Value {
    let name = format!("web-7c9f8d6b5d-{i:05x}");
    let node = format!(
        "ip-10-0-{}-{}.eu-west-1.compute.internal",
        i % 50,
        10 + i % 200
    );
    let pod_ip = format!("10.42.{}.{}", (i / 250) % 250, i % 250 + 2);
    let uid = format!("0c5e1f6a-8d3b-4f7e-9a21-{i:012x}");
    let fields_v1_spec = json!({
        "f:metadata": {
            "f:annotations": {".": {}, "f:checksum/config": {}, "f:kubectl.kubernetes.io/restartedAt": {}, "f:prometheus.io/port": {}, "f:prometheus.io/scrape": {}},
            "f:generateName": {},
            "f:labels": {".": {}, "f:app.kubernetes.io/component": {}, "f:app.kubernetes.io/instance": {}, "f:app.kubernetes.io/name": {}, "f:pod-template-hash": {}},
            "f:ownerReferences": {".": {}, "k:{\"uid\":\"5b0e2c1d-2f4a-4c55-8f0e-7d6a3e9b1c42\"}": {}}
        },
        "f:spec": {
            "f:containers": {"k:{\"name\":\"web\"}": {
                ".": {}, "f:args": {}, "f:env": {".": {},
                    "k:{\"name\":\"LOG_LEVEL\"}": {".": {}, "f:name": {}, "f:value": {}},
                    "k:{\"name\":\"POD_NAME\"}": {".": {}, "f:name": {}, "f:valueFrom": {".": {}, "f:fieldRef": {}}},
                    "k:{\"name\":\"POD_NAMESPACE\"}": {".": {}, "f:name": {}, "f:valueFrom": {".": {}, "f:fieldRef": {}}},
                    "k:{\"name\":\"DATABASE_URL\"}": {".": {}, "f:name": {}, "f:valueFrom": {".": {}, "f:secretKeyRef": {}}}
                },
                "f:image": {}, "f:imagePullPolicy": {},
                "f:livenessProbe": {".": {}, "f:failureThreshold": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}}, "f:periodSeconds": {}, "f:successThreshold": {}, "f:timeoutSeconds": {}},
                "f:name": {},
                "f:ports": {".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}},
                "f:readinessProbe": {".": {}, "f:failureThreshold": {}, "f:httpGet": {".": {}, "f:path": {}, "f:port": {}, "f:scheme": {}}, "f:periodSeconds": {}, "f:successThreshold": {}, "f:timeoutSeconds": {}},
                "f:resources": {".": {}, "f:limits": {".": {}, "f:memory": {}}, "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}},
                "f:securityContext": {".": {}, "f:allowPrivilegeEscalation": {}, "f:readOnlyRootFilesystem": {}, "f:runAsNonRoot": {}},
                "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {},
                "f:volumeMounts": {".": {}, "k:{\"mountPath\":\"/etc/web\"}": {".": {}, "f:mountPath": {}, "f:name": {}, "f:readOnly": {}}, "k:{\"mountPath\":\"/tmp\"}": {".": {}, "f:mountPath": {}, "f:name": {}}}
            }},
            "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {}, "f:schedulerName": {},
            "f:securityContext": {".": {}, "f:fsGroup": {}}, "f:serviceAccount": {}, "f:serviceAccountName": {},
            "f:terminationGracePeriodSeconds": {}, "f:topologySpreadConstraints": {},
            "f:volumes": {".": {}, "k:{\"name\":\"config\"}": {".": {}, "f:configMap": {".": {}, "f:defaultMode": {}, "f:name": {}}, "f:name": {}}, "k:{\"name\":\"tmp\"}": {".": {}, "f:emptyDir": {}, "f:name": {}}}
        }
    });
    let fields_v1_status = json!({
        "f:status": {
            "f:conditions": {
                "k:{\"type\":\"ContainersReady\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                "k:{\"type\":\"Initialized\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                "k:{\"type\":\"PodReadyToStartContainers\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}},
                "k:{\"type\":\"Ready\"}": {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}
            },
            "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {}, "f:phase": {}, "f:podIP": {},
            "f:podIPs": {".": {}, "k:{\"ip\":\"10.42.0.2\"}": {".": {}, "f:ip": {}}}, "f:startTime": {}
        }
    });
    let condition = |kind: &str| json!({"type": kind, "status": "True", "lastProbeTime": null, "lastTransitionTime": "2025-06-02T08:14:31Z"});
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "generateName": "web-7c9f8d6b5d-",
            "namespace": ns,
            "uid": uid,
            "resourceVersion": format!("{}", 81_234_567 + i),
            "creationTimestamp": "2025-06-02T08:14:27Z",
            "labels": {
                "app.kubernetes.io/name": "web",
                "app.kubernetes.io/instance": "shop",
                "app.kubernetes.io/component": "frontend",
                "pod-template-hash": "7c9f8d6b5d"
            },
            "annotations": {
                "checksum/config": "3f1d0a7c5b2e9d84f6a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b1d3",
                "kubectl.kubernetes.io/restartedAt": "2025-06-02T08:14:20Z",
                "prometheus.io/port": "9090",
                "prometheus.io/scrape": "true"
            },
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7c9f8d6b5d",
                "uid": "5b0e2c1d-2f4a-4c55-8f0e-7d6a3e9b1c42", "controller": true, "blockOwnerDeletion": true
            }],
            "managedFields": [
                {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": "2025-06-02T08:14:27Z", "fieldsType": "FieldsV1", "fieldsV1": fields_v1_spec},
                {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2025-06-02T08:14:31Z", "fieldsType": "FieldsV1", "fieldsV1": fields_v1_status, "subresource": "status"}
            ]
        },
        "spec": {
            "containers": [{
                "name": "web",
                "image": "registry.example.com/shop/web:2.14.3",
                "imagePullPolicy": "IfNotPresent",
                "args": ["--listen=:8080", "--metrics=:9090", "--config=/etc/web/config.yaml"],
                "env": [
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                    {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
                    {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "web-db", "key": "url"}}}
                ],
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "resources": {"limits": {"memory": "512Mi"}, "requests": {"cpu": "250m", "memory": "256Mi"}},
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"}, "timeoutSeconds": 2, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": "http", "scheme": "HTTP"}, "timeoutSeconds": 2, "periodSeconds": 5, "successThreshold": 1, "failureThreshold": 3},
                "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "volumeMounts": [
                    {"name": "config", "mountPath": "/etc/web", "readOnly": true},
                    {"name": "tmp", "mountPath": "/tmp"},
                    {"name": "kube-api-access-9x2kq", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}
                ]
            }],
            "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": true,
            "nodeName": node,
            "preemptionPolicy": "PreemptLowerPriority",
            "priority": 0,
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {"fsGroup": 10001},
            "serviceAccount": "web",
            "serviceAccountName": "web",
            "terminationGracePeriodSeconds": 30,
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
            ],
            "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}],
            "volumes": [
                {"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
                {"name": "tmp", "emptyDir": {}},
                {"name": "kube-api-access-9x2kq", "projected": {"defaultMode": 420, "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
                ]}}
            ]
        },
        "status": {
            "phase": "Running",
            "conditions": [condition("PodReadyToStartContainers"), condition("Initialized"), condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
            "hostIP": "10.0.1.17",
            "hostIPs": [{"ip": "10.0.1.17"}],
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "startTime": "2025-06-02T08:14:27Z",
            "qosClass": "Burstable",
            "containerStatuses": [{
                "name": "web",
                "image": "registry.example.com/shop/web:2.14.3",
                "imageID": "registry.example.com/shop/web@sha256:9b2e4f6a8c0d1e3f5a7b9c1d3e5f7a9b1c3d5e7f9a1b3c5d7e9f1a3b5c7d9e1f",
                "containerID": format!("containerd://{:064x}", i * 7919 + 1),
                "ready": true,
                "started": true,
                "restartCount": 0,
                "lastState": {},
                "state": {"running": {"startedAt": "2025-06-02T08:14:29Z"}},
                "volumeMounts": [
                    {"name": "config", "mountPath": "/etc/web", "readOnly": true, "recursiveReadOnly": "Disabled"},
                    {"name": "tmp", "mountPath": "/tmp"},
                    {"name": "kube-api-access-9x2kq", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true, "recursiveReadOnly": "Disabled"}
                ]
            }]
        }
    })
}
