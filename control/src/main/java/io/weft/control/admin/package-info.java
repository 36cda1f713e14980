/**
 * The admin API: JSON over HTTP under {@code /admin/v1/}, authenticated by a bearer token compared
 * in constant time. Lists users and nodes; approves, expires, renames and deletes nodes; creates
 * and revokes pre-auth keys (whose secret is shown once and stored only as a hash).
 */
package io.weft.control.admin;
