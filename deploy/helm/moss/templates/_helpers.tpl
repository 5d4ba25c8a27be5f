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

{{/* The Secret the server reads its credentials file from: the user's or the chart's. */}}
{{- define "moss.secretName" -}}
{{- default (include "moss.fullname" .) .Values.auth.existingSecret }}
{{- end }}

{{/*
The Secret holding one client identity's key pair (access key id and secret
under auth.secretKeys): the chart's <fullname>-<identity>, or with
auth.existingSecret=NAME the user's NAME-<identity>; the reader's may be
named by auth.reader.existingSecret. Call with (dict "root" $ "identity" "reader").
*/}}
{{- define "moss.identitySecretName" -}}
{{- $root := .root -}}
{{- if and (eq .identity "reader") $root.Values.auth.reader.existingSecret }}
{{- $root.Values.auth.reader.existingSecret }}
{{- else }}
{{- $base := include "moss.secretName" $root | trunc (int (sub 62 (len .identity))) | trimSuffix "-" }}
{{- printf "%s-%s" $base .identity }}
{{- end }}
{{- end }}

{{/* "https" when the server has a certificate (tls.existingSecret), else "http": the URL scheme and the port's name. */}}
{{- define "moss.scheme" -}}
{{- if .Values.tls.existingSecret }}https{{ else }}http{{ end }}
{{- end }}

{{/* The store's URL inside the cluster (same namespace). */}}
{{- define "moss.endpoint" -}}
{{- printf "%s://%s:%v" (include "moss.scheme" .) (include "moss.fullname" .) .Values.service.port }}
{{- end }}

{{/* Whether the chart's clients verify the server with the tls Secret's ca.crt. */}}
{{- define "moss.clientCA" -}}
{{- if and .Values.tls.existingSecret .Values.tls.caFromSecret }}true{{ end }}
{{- end }}

{{/* The volume of a client pod holding only the tls Secret's ca.crt (never the key). */}}
{{- define "moss.clientCAVolume" -}}
- name: moss-ca
  secret:
    secretName: {{ .Values.tls.existingSecret }}
    defaultMode: 0444
    items:
      - key: ca.crt
        path: ca.crt
{{- end }}

{{/* Fails the rendering of a chart client that could not connect: the server requires client certificates. */}}
{{- define "moss.requireNoClientCertificates" -}}
{{- if and .root.Values.tls.existingSecret .root.Values.tls.requireClientCertificates }}
{{- fail (printf "%s has no client certificate, and tls.requireClientCertificates makes the server refuse it: turn one of them off" .what) }}
{{- end }}
{{- end }}

{{/*
Env of a read-only client of the store (the example workload, the helm test):
the endpoint and the reader's key pair, read from the reader's Secret, never
the admin's. These are the variables `moss pull` and the AWS CLI/SDKs read.
Call with (dict "root" $ "endpoint" URL).
*/}}
{{- define "moss.clientEnv" -}}
{{- $root := .root -}}
- name: MOSS_ENDPOINT
  value: {{ default (include "moss.endpoint" $root) .endpoint | quote }}
{{- if include "moss.clientCA" $root }}
# The CA that signed the server's certificate (moss, aws-cli and boto3 read it).
- name: AWS_CA_BUNDLE
  value: /etc/moss/ca/ca.crt
{{- end }}
- name: AWS_REGION
  value: {{ $root.Values.config.region | quote }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "moss.identitySecretName" (dict "root" $root "identity" "reader") }}
      key: {{ $root.Values.auth.secretKeys.accessKeyId }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "moss.identitySecretName" (dict "root" $root "identity" "reader") }}
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
One chart-created identity's key pair: from values (auth.<identity>), else
what its existing Secret holds (so upgrades keep it), else newly generated.
The admin falls back to the pair of the chart's Secret from before separate
identities (<fullname>, entries auth.secretKeys.*), so upgrading keeps the old
all-powerful key working, now as the admin. Returns JSON {"id","secret"}.
Call with (dict "root" $ "identity" "admin").
*/}}
{{- define "moss.generatedKeys" -}}
{{- $root := .root }}
{{- $values := index $root.Values.auth .identity }}
{{- $names := $root.Values.auth.secretKeys }}
{{- $id := $values.accessKeyId }}
{{- $secret := $values.secretAccessKey }}
{{- $existing := lookup "v1" "Secret" $root.Release.Namespace (include "moss.identitySecretName" (dict "root" $root "identity" .identity)) }}
{{- if and (eq .identity "admin") (not (and $existing $existing.data)) }}
{{- $existing = lookup "v1" "Secret" $root.Release.Namespace (include "moss.fullname" $root) }}
{{- end }}
{{- if and $existing $existing.data }}
{{- $id = default (index $existing.data $names.accessKeyId | default "" | b64dec) $id }}
{{- $secret = default (index $existing.data $names.secretAccessKey | default "" | b64dec) $secret }}
{{- end }}
{{- $id = default (printf "MOSS%s" (randAlphaNum 16 | upper)) $id }}
{{- $secret = default (randAlphaNum 40) $secret }}
{{- dict "id" $id "secret" $secret | toJson }}
{{- end }}

{{/*
The policies of the chart's identities (docs/access-control.md). Returns JSON
{"admin": POLICY, "publisher": POLICY, "reader": POLICY}. The reader may get
and list only the models in auth.reader.models (s3:ListBucket with an
s3:prefix condition, so it cannot list other models' names either).
*/}}
{{- define "moss.policies" -}}
{{- $bucket := .Values.auth.bucket }}
{{- $arn := printf "arn:aws:s3:::%s" $bucket }}
{{- $objects := list }}
{{- $prefixes := list }}
{{- range .Values.auth.reader.models }}
{{- $objects = append $objects (printf "%s/%s/*" $arn .) }}
{{- $prefixes = append $prefixes (printf "%s/*" .) }}
{{- end }}
{{- $admin := dict "Statement" (list (dict "Effect" "Allow" "Action" "*" "Resource" "*")) }}
{{- $publisher := dict "Statement" (list (dict "Effect" "Allow" "Action" "s3:*" "Resource" (list $arn (printf "%s/*" $arn)))) }}
{{- $reader := dict "Statement" (list
      (dict "Sid" "ReadModels" "Effect" "Allow" "Action" "s3:GetObject" "Resource" $objects)
      (dict "Sid" "ListModels" "Effect" "Allow" "Action" "s3:ListBucket" "Resource" $arn
            "Condition" (dict "StringLike" (dict "s3:prefix" $prefixes)))) }}
{{- dict "admin" $admin "publisher" $publisher "reader" $reader | toJson }}
{{- end }}

{{/*
Fails the rendering when a chart-rendered client pulls a model the reader may
not read (its pull would end in 403 AccessDenied). Wildcards in
auth.reader.models match as in policies. Checked only for the chart-created
credentials: the policies in auth.existingSecret are the user's.
In "env" mode there is no reader at all: rendering such a client fails.
Call with (dict "root" $ "model" MODEL "what" "examples.inference.model").
*/}}
{{- define "moss.requireReadable" -}}
{{- if eq .root.Values.auth.mode "env" }}
{{- fail (printf "%s needs the reader key, and auth.mode=env gives the server one key only (the admin's): use auth.mode=file, or turn it off" .what) }}
{{- end }}
{{- if and .model (not .root.Values.auth.existingSecret) }}
{{- $model := .model }}
{{- $readable := false }}
{{- range .root.Values.auth.reader.models }}
{{- $pattern := printf "^%s$" (regexQuoteMeta . | replace "\\*" ".*" | replace "\\?" ".") }}
{{- if regexMatch $pattern $model }}
{{- $readable = true }}
{{- end }}
{{- end }}
{{- if not $readable }}
{{- fail (printf "%s %q is not in auth.reader.models %v: the reader key it pulls with could not read it" .what $model .root.Values.auth.reader.models) }}
{{- end }}
{{- end }}
{{- end }}
