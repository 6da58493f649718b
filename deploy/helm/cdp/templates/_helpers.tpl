{{- define "cdp.fullname" -}}{{ .Release.Name }}-cdp{{- end -}}
{{- define "cdp.secretName" -}}{{ .Values.secrets.existingSecret | default (printf "%s-secrets" (include "cdp.fullname" .)) }}{{- end -}}
{{- define "cdp.claimName" -}}{{ .Values.persistence.existingClaim | default (printf "%s-data" (include "cdp.fullname" .)) }}{{- end -}}
{{- define "cdp.labels" -}}
app.kubernetes.io/name: cdp
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{/* Environment every CDP container gets: the secrets, the plain settings, the data folder and the admin port. */}}
{{- define "cdp.env" -}}
- name: DATABASE_URL
  valueFrom: { secretKeyRef: { name: {{ include "cdp.secretName" . }}, key: databaseUrl } }
- name: DATABASE_APP_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ include "cdp.secretName" . }}, key: databaseAppPassword } }
- name: JWT_SECRET
  valueFrom: { secretKeyRef: { name: {{ include "cdp.secretName" . }}, key: jwtSecret } }
- name: METRICS_TOKEN
  valueFrom: { secretKeyRef: { name: {{ include "cdp.secretName" . }}, key: metricsToken } }
- name: DATA_DIR
  value: /data
- name: METRICS_PORT
  value: {{ .Values.metrics.port | quote }}
- name: SHUTDOWN_GRACE_SECONDS
  value: {{ .Values.shutdownGraceSeconds | quote }}
{{- range $name, $value := .Values.config }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}
