{{/* The chart's name, overridable. */}}
{{- define "cloudnative-pg.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name of the release's objects. */}}
{{- define "cloudnative-pg.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Selector labels: the operator finds its Deployment by app.kubernetes.io/name=cloudnative-pg. */}}
{{- define "cloudnative-pg.selectorLabels" -}}
app.kubernetes.io/name: cloudnative-pg
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cloudnative-pg.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "cloudnative-pg.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "cloudnative-pg.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cloudnative-pg.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator's rules: `cnpg-operator generate rbac`, kept in files/ by `make generate`. */}}
{{- define "cloudnative-pg.rules" -}}
{{- $rules := (.Files.Get "files/operator-clusterrole.yaml" | fromYaml).rules }}
{{- if .Values.clusterNetworkPolicies.managed }}
{{- $rules = append $rules (dict "apiGroups" (list "networking.k8s.io") "resources" (list "networkpolicies") "verbs" (list "create" "delete" "get" "list" "patch" "update" "watch")) }}
{{- end }}
{{- $rules | toYaml }}
{{- end }}
