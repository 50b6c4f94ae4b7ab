/**
 * The catalogue's single DynamoDB table. The CDK data stack and the local host both build
 * the table from these names, so the cloud and the embedded default cannot drift apart.
 *
 * Items:
 *   pk = "{scope}#{kind}"            sk = "{id}"       one record (scope = tenant id or "_system")
 *   gsi1pk = "{scope}#{kind}#{group}" gsi1sk = "{id}"  records of a kind by group (entity, deployment)
 *   pk = "{scope}#unique#{name}"     sk = "{value}"    a claimed unique value (e.g. a MAC address)
 */
export const catalogueTable = {
  partitionKey: 'pk',
  sortKey: 'sk',
  groupIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;
