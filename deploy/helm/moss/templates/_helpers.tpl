{{/* Names, labels and the pieces several templates share. */}}

{{- define "moss.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's base name: the release name, or release-chart when the release name does not hold the chart's. */}}
{{- define "moss.fullname" -}}
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

{{- define "moss.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "moss.selectorLabels" -}}
app.kubernetes.io/name: {{ include "moss.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "moss.labels" -}}
helm.sh/chart: {{ include "moss.chart" . }}
{{ include "moss.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "moss.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "moss.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The moss image: repository@digest or repository:tag (tag defaults to appVersion). */}}
{{- define "moss.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secret holding the credentials: the user's or the chart's. */}}
{{- define "moss.secretName" -}}
{{- default (include "moss.fullname" .) .Values.auth.existingSecret }}
{{- end }}

{{/* The store's URL inside the cluster (same namespace). */}}
{{- define "moss.endpoint" -}}
{{- printf "http://%s:%v" (include "moss.fullname" .) .Values.service.port }}
{{- end }}

{{/*
Env of a client of the store: the endpoint and the key pair, read from the
Secret. These are the variables `moss pull` and the AWS CLI/SDKs read.
Call with (dict "root" $ "endpoint" URL).
*/}}
{{- define "moss.clientEnv" -}}
{{- $root := .root -}}
- name: MOSS_ENDPOINT
  value: {{ default (include "moss.endpoint" $root) .endpoint | quote }}
- name: AWS_REGION
  value: {{ $root.Values.config.region | quote }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "moss.secretName" $root }}
      key: {{ $root.Values.auth.secretKeys.accessKeyId }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "moss.secretName" $root }}
      key: {{ $root.Values.auth.secretKeys.secretAccessKey }}
{{- end }}

{{/*
The command that downloads MODEL:TAG to DEST and checks its SHA-256: `moss
pull` (resumes an interrupted download, puts the file in place only once it
matches the SHA-256 the store reports). Call with (dict "ref" "MODEL:TAG" "dest" PATH).
*/}}
{{- define "moss.pullCommand" -}}
{{- list "moss" "pull" .ref .dest | toJson }}
{{- end }}

{{/*
The chart-created key pair: from values, else what the existing Secret holds
(so upgrades keep it), else newly generated. Returns JSON {"id","secret"}.
*/}}
{{- define "moss.generatedKeys" -}}
{{- $id := .Values.auth.accessKeyId }}
{{- $secret := .Values.auth.secretAccessKey }}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "moss.fullname" .) }}
{{- if and $existing $existing.data }}
{{- $id = default (index $existing.data .Values.auth.secretKeys.accessKeyId | default "" | b64dec) $id }}
{{- $secret = default (index $existing.data .Values.auth.secretKeys.secretAccessKey | default "" | b64dec) $secret }}
{{- end }}
{{- $id = default (printf "MOSS%s" (randAlphaNum 16 | upper)) $id }}
{{- $secret = default (randAlphaNum 40) $secret }}
{{- dict "id" $id "secret" $secret | toJson }}
{{- end }}
