#!/usr/bin/env bash
# The local demo: kube-sandbox (API server + process kubelet), the operator installed with the
# Helm chart (a Deployment with only its ClusterRole), and a three-instance PostgreSQL cluster. Safe to run twice: what runs is reused.
# `make demo-down` stops everything and removes .demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=${CNPG_DEMO_DIR:-.demo}
if [ "$(id -u)" -ne 0 ]; then
    echo "the demo needs root: the sandbox kubelet gives each pod its own mount namespace" >&2
    exit 1
fi
./scripts/install-test-deps.sh >/dev/null
# CNPG_BIN_DIR: already-built products to use as they are (the quickstart test sets it, as `make test` does).
if [ -n "${CNPG_BIN_DIR:-}" ]; then
    bin=$CNPG_BIN_DIR
else
    echo "building (the first build takes several minutes)..."
    swift build >/dev/null
    bin=$(swift build --show-bin-path)
fi
mkdir -p "$demo"
demo=$(cd "$demo" && pwd)
running() { [ -f "$demo/$1.pid" ] && kill -0 "$(cat "$demo/$1.pid")" 2>/dev/null; }

if running sandbox; then
    echo "kube-sandbox already running (pid $(cat "$demo/sandbox.pid"))"
else
    rm -f "$demo/kubeconfig"
    nohup "$bin/kube-sandbox" up --dir "$demo" --port 0 --address-block "${CNPG_DEMO_ADDRESS_BLOCK:-0}" >"$demo/sandbox.log" 2>&1 &
    echo $! >"$demo/sandbox.pid"
    for _ in $(seq 1 150); do [ -f "$demo/kubeconfig" ] && break; sleep 0.2; done
    [ -f "$demo/kubeconfig" ] || { echo "kube-sandbox did not start; see $demo/sandbox.log" >&2; exit 1; }
    echo "kube-sandbox started (pid $(cat "$demo/sandbox.pid"))"
fi

kubectl() { command kubectl --kubeconfig "$demo/kubeconfig" --cache-dir "$demo/cache" "$@"; }
helm() {
    HELM_CACHE_HOME="$demo/helm/cache" HELM_CONFIG_HOME="$demo/helm/config" HELM_DATA_HOME="$demo/helm/data" \
        command helm --kubeconfig "$demo/kubeconfig" "$@"
}

# The operator is installed as users install it: the Helm chart, which runs it as a Deployment
# (a sandbox pod) with exactly its ClusterRole. Re-running upgrades the release in place.
echo "installing the operator with the Helm chart (charts/cloudnative-pg)..."
helm upgrade --install cnpg charts/cloudnative-pg --namespace cnpg-system --create-namespace >/dev/null
deadline=$((SECONDS + 120))
until [ "$(kubectl get deployment cnpg-cloudnative-pg -n cnpg-system -o jsonpath='{.status.readyReplicas}' 2>/dev/null)" = "1" ]; do
    if [ $SECONDS -gt $deadline ]; then
        echo "the operator did not become ready in 2 minutes; see: kubectl logs -n cnpg-system deploy/cnpg-cloudnative-pg" >&2
        exit 1
    fi
    sleep 0.5
done
echo "cnpg-operator is running in pod $(kubectl get pods -n cnpg-system -l app.kubernetes.io/name=cloudnative-pg -o jsonpath='{.items[0].metadata.name}')"

# Every Cluster write goes through the operator's admission webhooks: wait until they answer.
for _ in $(seq 1 150); do
    kubectl apply --dry-run=server -f docs/examples/cluster-example.yaml >/dev/null 2>&1 && break
    sleep 0.2
done
kubectl apply -f docs/examples/cluster-example.yaml
echo "waiting for cluster-example to become healthy..."
deadline=$((SECONDS + 300))
last=""
while :; do
    state=$(kubectl get cluster cluster-example -o jsonpath='{.status.readyInstances}/{.spec.instances} ready - {.status.phase}' 2>/dev/null || true)
    [ "$state" != "$last" ] && { echo "  $state"; last=$state; }
    case $state in "3/3 ready - Cluster in healthy state") break ;; esac
    if [ $SECONDS -gt $deadline ]; then
        echo "cluster-example did not become healthy in 5 minutes; see $demo/sandbox.log and: kubectl logs -n cnpg-system deploy/cnpg-cloudnative-pg" >&2
        exit 1
    fi
    sleep 1
done

"$bin/kubectl-cnpg" status cluster-example --kubeconfig "$demo/kubeconfig"
echo
kubectl get pods -L cnpg.io/instanceRole -o wide
rw=$(kubectl get service cluster-example-rw -o jsonpath='{.spec.clusterIP}')
primary=$(kubectl get cluster cluster-example -o jsonpath='{.status.currentPrimary}')
cat <<MSG

A three-instance PostgreSQL cluster managed by cnpg-operator is running (TLS 1.3, scram-sha-256,
streaming replication by client certificate, superuser access disabled).

  export KUBECONFIG=$demo/kubeconfig
  kubectl get cluster cluster-example -o yaml              # status: primary, instances, certificates

Connect as the application user through the read-write service ($rw is its address):
  PGPASSWORD=\$(kubectl get secret cluster-example-app -o jsonpath='{.data.password}' | base64 -d) \\
    psql "host=$rw user=app dbname=app sslmode=require"

Use the plugin (kubectl finds kubectl-cnpg on PATH): the status above, a switchover, a rolling restart:
  export PATH=$bin:\$PATH
  kubectl cnpg status cluster-example
  kubectl cnpg promote cluster-example 2
  kubectl cnpg restart cluster-example

Try a failover: kill every process of the primary's container, then watch another instance take over:
  kill -9 \$(kubectl get pod $primary -o jsonpath='{.status.containerStatuses[0].containerID}' | sed 's|sandbox://||')
  kubectl get pods -L cnpg.io/instanceRole -w

The operator (installed by helm in namespace cnpg-system): its logs and metrics:
  kubectl logs -n cnpg-system deploy/cnpg-cloudnative-pg
  curl -s \$(kubectl get pods -n cnpg-system -l app.kubernetes.io/name=cloudnative-pg -o jsonpath='{.items[0].status.podIP}'):8080/metrics \\
    | grep -E '^(controller_runtime_reconcile_total|cnpg_operator_cluster)'

The operator's admission webhook checks every Cluster; try an invalid one:
  kubectl patch cluster cluster-example --type=merge -p '{"spec":{"imageName":"ghcr.io/cloudnative-pg/postgresql:latest"}}'

Stop everything with: make demo-down
MSG
