/**
 * Offline validation of rendered manifests against real schemas:
 * - core kinds: the kubernetes-models validators (types, required fields, enums) plus a strict unknown-field
 *   check built from @kubernetes/client-node's generated models (Kubernetes 1.34 API), which is what the
 *   API server's `fieldValidation=Strict` (used by the deploy tool) rejects;
 * - custom kinds: the CRDs' own openAPIV3Schema (KServe v0.15.2, Istio 1.23.2, vendored in third_party/specs/k8s) with
 *   ajv, unknown fields rejected where the schema does not preserve them, plus every CEL rule in
 *   `x-kubernetes-validations` evaluated with a CEL interpreter.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as clientNode from '@kubernetes/client-node';
import { evaluate } from '@marcbachmann/cel-js';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '../../src/manifests/kubernetes-object.js';
import { environmentsDir } from '../../src/manifests/overlays.js';

const repoRoot = path.resolve(environmentsDir, '..');
/** The upstream Kubernetes specs the manifests are validated against (see third_party/specs/PROVENANCE.md). */
export const specsDir = path.join(repoRoot, 'third_party/specs/k8s');

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

interface CoreModel {
  validate(): void;
}
const coreModels: Record<string, new (data: never) => CoreModel> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
};

/** client-node model class name for a core kind: apps/v1 Deployment -> V1Deployment. */
function clientModelName(apiVersion: string, kind: string): string {
  const version = apiVersion.split('/').at(-1) ?? apiVersion;
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

interface AttributeType {
  baseName: string;
  type: string;
}
function attributeTypes(typeName: string): AttributeType[] | undefined {
  const model = (clientNode as unknown as Record<string, { attributeTypeMap?: AttributeType[] } | undefined>)[
    typeName
  ];
  return model?.attributeTypeMap;
}

/** Paths of fields that the Kubernetes API does not define for this type. */
export function unknownFields(value: unknown, typeName: string, path: string): string[] {
  const arrayOf = /^Array<(.+)>$/.exec(typeName);
  if (arrayOf)
    return Array.isArray(value)
      ? value.flatMap((item, index) => unknownFields(item, arrayOf[1]!, `${path}[${index}]`))
      : [];
  const mapOf = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (mapOf)
    return isObject(value)
      ? Object.entries(value).flatMap(([key, item]) => unknownFields(item, mapOf[1]!, `${path}.${key}`))
      : [];
  const attributes = attributeTypes(typeName);
  if (!attributes || !isObject(value)) return [];
  const byName = new Map(attributes.map((attribute) => [attribute.baseName, attribute.type]));
  return Object.entries(value).flatMap(([key, child]) => {
    const type = byName.get(key);
    return type === undefined ? [`${path}.${key}`] : unknownFields(child, type, `${path}.${key}`);
  });
}

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const labelKey =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** ObjectMeta rules the API server applies to every kind (CRD schemas leave metadata to it). */
export function metadataErrors(object: KubernetesObject): string[] {
  const errors = unknownFields(object.metadata, 'V1ObjectMeta', 'metadata');
  const { name, labels, annotations } = object.metadata;
  if (name.length > 253 || !dns1123Subdomain.test(name))
    errors.push(`metadata.name "${name}" is not a DNS-1123 subdomain`);
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!labelKey.test(key)) errors.push(`metadata.labels: invalid key "${key}"`);
    if (typeof value !== 'string' || value.length > 63 || !labelValue.test(value))
      errors.push(`metadata.labels.${key}: invalid value "${String(value)}"`);
  }
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (typeof value !== 'string')
      errors.push(`metadata.annotations.${key}: must be a string, got ${typeof value}`);
  }
  return errors;
}

interface CrdVersion {
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
  specSchema: JsonObject;
  topLevelFields: string[];
}

/** Turns a structural CRD schema into a JSON schema that rejects unknown fields as the API server prunes/rejects them. */
function strictJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictJsonSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'description' || key === 'default' || key === 'example')
      continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [name, strictJsonSchema(schema)]),
      );
    } else {
      out[key] = strictJsonSchema(value);
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    if (!out.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (
    node.type === 'object' &&
    isObject(node.properties) &&
    node.additionalProperties === undefined &&
    node['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/** Evaluates every `x-kubernetes-validations` rule against the data at the same place. */
function celErrors(schema: unknown, data: unknown, path: string): string[] {
  if (!isObject(schema) || data === undefined) return [];
  const errors: string[] = [];
  const rules = schema['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    for (const rule of rules as Array<{ rule: string; message?: string }>) {
      let result: unknown;
      try {
        result = evaluate(rule.rule, { self: data });
      } catch (error) {
        errors.push(`${path}: CEL rule "${rule.rule}" could not be evaluated: ${(error as Error).message}`);
        continue;
      }
      if (result !== true) errors.push(`${path}: ${rule.message ?? `violates CEL rule ${rule.rule}`}`);
    }
  }
  if (isObject(data) && isObject(schema.properties)) {
    for (const [key, child] of Object.entries(data))
      errors.push(...celErrors(schema.properties[key], child, `${path}.${key}`));
  }
  if (isObject(data) && isObject(schema.additionalProperties)) {
    for (const [key, child] of Object.entries(data))
      errors.push(...celErrors(schema.additionalProperties, child, `${path}.${key}`));
  }
  if (Array.isArray(data) && isObject(schema.items)) {
    data.forEach((item, index) => {
      errors.push(...celErrors(schema.items, item, `${path}[${index}]`));
    });
  }
  return errors;
}

export function loadCrds(files: string[]): CrdVersion[] {
  const versions: CrdVersion[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const crd = document.toJS() as JsonObject | null;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec as {
        group: string;
        scope: string;
        names: { kind: string };
        versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: JsonObject } }>;
      };
      for (const version of spec.versions.filter((candidate) => candidate.served)) {
        const root = version.schema.openAPIV3Schema;
        const properties = (root.properties ?? {}) as JsonObject;
        versions.push({
          group: spec.group,
          version: version.name,
          kind: spec.names.kind,
          namespaced: spec.scope === 'Namespaced',
          specSchema: (properties.spec ?? {}) as JsonObject,
          topLevelFields: [
            'apiVersion',
            'kind',
            'metadata',
            ...Object.keys(properties).filter((key) => key !== 'status'),
          ],
        });
      }
    }
  }
  return versions;
}

export class ManifestValidator {
  private readonly ajv: Ajv;
  private readonly crds = new Map<string, CrdVersion>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(crdFiles: string[]) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
    addFormats(this.ajv);
    this.ajv.addFormat('int32', {
      type: 'number',
      validate: (value: number) => Number.isInteger(value) && Math.abs(value) <= 2 ** 31,
    });
    this.ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) });
    this.ajv.addFormat('double', { type: 'number', validate: () => true });
    this.ajv.addFormat('float', { type: 'number', validate: () => true });
    this.ajv.addFormat('string', true);
    for (const crd of loadCrds(crdFiles)) this.crds.set(`${crd.group}/${crd.version}/${crd.kind}`, crd);
  }

  /** Compiled on first use: Istio's file alone holds dozens of CRDs. */
  private specValidator(key: string, crd: CrdVersion): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(strictJsonSchema(crd.specSchema) as JsonObject);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  /** Whether the kind is cluster-scoped, namespaced, or unknown to every schema here. */
  scopeOf(object: KubernetesObject): 'Namespaced' | 'Cluster' | undefined {
    const crd = this.crds.get(`${object.apiVersion}/${object.kind}`);
    if (crd) return crd.namespaced ? 'Namespaced' : 'Cluster';
    if (object.kind === 'Namespace') return 'Cluster';
    return coreModels[`${object.apiVersion}/${object.kind}`] ? 'Namespaced' : undefined;
  }

  /** Every schema problem of one object; empty when it is valid. */
  errors(object: KubernetesObject): string[] {
    const key = `${object.apiVersion}/${object.kind}`;
    const Model = coreModels[key];
    if (Model) {
      const errors = unknownFields(object, clientModelName(object.apiVersion, object.kind), '');
      try {
        new Model(object as never).validate();
      } catch (error) {
        errors.push((error as Error).message);
      }
      return errors;
    }
    const crd = this.crds.get(key);
    if (!crd) return [`no schema for ${key}: add its CRD or model to the validator`];
    const errors = metadataErrors(object);
    for (const field of Object.keys(object)) {
      if (!crd.topLevelFields.includes(field)) errors.push(`unknown top-level field "${field}"`);
    }
    const validateSpec = this.specValidator(key, crd);
    if (!validateSpec(object.spec)) {
      for (const error of validateSpec.errors ?? []) {
        errors.push(
          `spec${error.instancePath.replaceAll('/', '.')} ${error.message}${error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : ''}`,
        );
      }
    }
    errors.push(...celErrors(crd.specSchema, object.spec, 'spec'));
    return errors;
  }
}
