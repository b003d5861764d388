#!/usr/bin/env bash
# The local demo. Today: the sandbox API server with the CNPG CRDs and the example Cluster.
# Running it twice is safe: a running sandbox is reused. `make demo-down` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=.demo
swift build >/dev/null
bin=$(swift build --show-bin-path)
mkdir -p "$demo"

if [ -f "$demo/sandbox.pid" ] && kill -0 "$(cat "$demo/sandbox.pid")" 2>/dev/null; then
    echo "kube-sandbox already running (pid $(cat "$demo/sandbox.pid"))"
else
    rm -f "$demo/kubeconfig"
    nohup "$bin/kube-sandbox" up --dir "$demo" --port 0 >"$demo/sandbox.log" 2>&1 &
    echo $! >"$demo/sandbox.pid"
    for _ in $(seq 1 150); do [ -f "$demo/kubeconfig" ] && break; sleep 0.2; done
    [ -f "$demo/kubeconfig" ] || { echo "kube-sandbox did not start; see $demo/sandbox.log" >&2; exit 1; }
    echo "kube-sandbox started (pid $(cat "$demo/sandbox.pid"))"
fi

kubectl() { command kubectl --kubeconfig "$demo/kubeconfig" --cache-dir "$demo/cache" "$@"; }
kubectl apply -f manifests/crds.yaml
kubectl apply -f docs/examples/cluster-example.yaml
kubectl get clusters.postgresql.cnpg.io

cat <<MSG

The sandbox API server is running, with the CNPG CRDs and the example Cluster stored and defaulted:
  kubectl --kubeconfig $demo/kubeconfig get cluster cluster-example -o yaml

Not there yet: the operator's controllers and the sandbox kubelet, so no PostgreSQL pods run.
Stop everything with: make demo-down
MSG
