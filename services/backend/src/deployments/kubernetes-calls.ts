/**
 * Every Kubernetes API call the Kubernetes deployment target makes, as RBAC sees it. The backend's Role
 * (environments/components/model-deployments/role.yaml) grants exactly these; a test compares the two, and another
 * checks that the requests the target sends against the fake API are all listed here.
 */
export const kubernetesCalls = [
  { apiGroup: 'serving.kserve.io', resource: 'inferenceservices', verbs: ['delete', 'get', 'patch'] },
  { apiGroup: 'serving.knative.dev', resource: 'revisions', verbs: ['get'] },
] as const;

/** The field manager of the backend's server-side applies (other managers' fields are left alone). */
export const FIELD_MANAGER = 'detection-backend';
