// Connection to the service under test, passed in by JavaScriptSdkTest.
'use strict';
const { StorageSharedKeyCredential, BlobServiceClient, generateAccountSASQueryParameters,
  AccountSASPermissions, AccountSASResourceTypes, AccountSASServices } = require('@azure/storage-blob');
const queue = require('@azure/storage-queue');
const { TableServiceClient, TableClient, AzureNamedKeyCredential } = require('@azure/data-tables');
const { randomUUID } = require('node:crypto');

const blobUrl = process.env.VMROLE_BLOB;
const queueUrl = process.env.VMROLE_QUEUE;
const tableUrl = process.env.VMROLE_TABLE;
const account = process.env.VMROLE_ACCOUNT;
const key = process.env.VMROLE_KEY;
if (!blobUrl || !account || !key) throw new Error('run through JavaScriptSdkTest (VMROLE_BLOB, VMROLE_ACCOUNT, VMROLE_KEY unset)');

const credential = new StorageSharedKeyCredential(account, key);
const queueCredential = new queue.StorageSharedKeyCredential(account, key);
const tableCredential = new AzureNamedKeyCredential(account, key);
const tableOptions = { allowInsecureConnection: true };

/** An account SAS allowing everything, for raw fetch() calls that send bodies the SDKs never would. */
function accountSas() {
  return generateAccountSASQueryParameters({
    expiresOn: new Date(Date.now() + 3600_000),
    permissions: AccountSASPermissions.parse('rwdlacup'),
    resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
    services: AccountSASServices.parse('bqt').toString(),
  }, credential).toString();
}

function unique(prefix) {
  return prefix + randomUUID().replace(/-/g, '').slice(0, 12);
}

module.exports = {
  blobUrl, queueUrl, tableUrl, account, key, accountSas, unique,
  blobs: () => new BlobServiceClient(blobUrl, credential),
  queues: () => new queue.QueueServiceClient(queueUrl, queueCredential),
  tableService: () => new TableServiceClient(tableUrl, tableCredential, tableOptions),
  table: (name) => new TableClient(tableUrl, name, tableCredential, tableOptions),
};
