import { computed } from 'vue'
import { useModelsStore } from '../stores/models'
import { useSettingsStore, type UserSettings } from '../stores/settings'
import { MODEL_SAMPLING_FIELDS, SETTING_RULES, ruleProblem } from '../stores/settings-schema'

/** Fields whose value is a number, text or a yes/no switch: the ones a settings field edits. */
export type ScalarField = { [K in keyof UserSettings]: UserSettings[K] extends number | string | boolean ? K : never }[keyof UserSettings]

/** The control a field shows: chosen from its rule, its options and its variant. */
export type SettingControl = 'select' | 'checkbox' | 'number' | 'url' | 'text' | 'textarea' | 'password'

/** One of the fields the model's recommended sampling replaces (temperature, top-p, top-k). */
function isSamplingField(field: ScalarField): field is (typeof MODEL_SAMPLING_FIELDS)[number] {
  return (MODEL_SAMPLING_FIELDS as readonly string[]).includes(field)
}

/** What {@link useSettingField} reads from the field component's props (reactive: read on each use). */
export interface SettingFieldInput {
  field: ScalarField
  hint?: string
  options?: Array<{ value: string, label: string }>
  variant?: 'textarea' | 'password'
  testid?: string
}

/**
 * One setting's state for its form field: the rule (settings-schema.ts) picks the control and its limits; `model`
 * reads and writes the value in the box (Settings checks it; a sampling value typed by the person turns the model's
 * recommendation off, unless the rule refuses the value); `error` is the rule's refusal and `inUse` the value still
 * used meanwhile: the model's recommendation while it is on, else the last valid value ('' when the box holds it). `id` is stable (`setting-<field>`), so `/settings?field=<key>` can point at it; `testId` is the
 * `testid` prop or `setting-<kebab-field>`; `describedBy` names the error and hint elements (`<id>-error`, `<id>-hint`).
 */
export function useSettingField(props: SettingFieldInput) {
  const settings = useSettingsStore()
  const rule = SETTING_RULES[props.field]
  const id = `setting-${props.field}`
  const testId = computed(() => props.testid ?? `setting-${props.field.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)}`)
  const control = computed<SettingControl>(() => {
    // A choice field, or a text field offered as a list (the model id: its values are the downloaded models).
    if (rule.kind === 'choice' || props.options)
      return 'select'
    if (rule.kind === 'switch')
      return 'checkbox'
    if (rule.kind === 'integer' || rule.kind === 'number')
      return 'number'
    return props.variant ?? (rule.kind === 'url' ? 'url' : 'text')
  })
  const range = computed(() => (rule.kind === 'integer' || rule.kind === 'number' ? rule : undefined))
  const error = computed(() => settings.errors[props.field])
  const models = useModelsStore()
  const inUse = computed(() => {
    // While the recommendation is on, a local model's sampling value in use is its own (stores/chat.ts generate).
    const isLocal = settings.backend !== 'gemini' && settings.backend !== 'openai-compat'
    const recommended = isSamplingField(props.field) && settings.isModelSamplingOn && isLocal ? models.samplingModel?.sampling?.[props.field] : undefined
    if (error.value && recommended !== undefined)
      return `${recommended} (the model's recommendation)`
    const used = settings[props.field]
    if (!error.value || String(used) === String(settings.values[props.field]))
      return ''
    return used === '' ? 'none' : String(used)
  })
  const model = computed({
    get: () => settings.values[props.field],
    set: (v: unknown) => {
      (settings.values as unknown as Record<string, unknown>)[props.field] = v
      // A sampling value typed by the person is theirs: the model's recommendation stops replacing it. A value the
      // rule refuses changes nothing else (issue 16: typing Temperature 5 must not switch the recommendation off and
      // move the temperature in use).
      if (isSamplingField(props.field) && ruleProblem(rule, v) === undefined)
        settings.values.isModelSamplingOn = false
    },
  })
  const describedBy = computed(() => [error.value && `${id}-error`, props.hint && `${id}-hint`].filter(Boolean).join(' ') || undefined)
  return { id, testId, control, range, error, inUse, model, describedBy }
}
