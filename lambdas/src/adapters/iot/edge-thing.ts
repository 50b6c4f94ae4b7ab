/**
 * How an edge appears in IoT Core, shared by the adapter that creates things and by the CDK
 * app that writes the IoT policy (infra/lib/constructs/edge-policy.ts): no SDK import here.
 */

/**
 * The thing attribute that binds a thing to its tenant. The shared IoT policy reads it as
 * `${iot:Connection.Thing.Attributes[tenantId]}`, so one policy restricts every edge to
 * `marrow/{its tenant}/{its thing name}/…`. Only the control plane can set it: edges hold no
 * iot:UpdateThing permission.
 */
export const TENANT_ATTRIBUTE = 'tenantId';

/** Thing names are imaging server ids (`is_…`), so IAM can scope the API to `thing/is_*`. */
export const THING_NAME_PREFIX = 'is_';

/** MQTT over TLS with the X.509 client certificate (IoT Core's port 8883). */
export const IOT_MQTTS_PORT = 8883;
