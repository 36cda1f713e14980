/**
 * Policy in Tailscale's syntax: a HuJSON parser ({@link io.weft.control.policy.HuJson}), the policy
 * model with validation ({@link io.weft.control.policy.PolicyParser}), the per-node compiler into
 * Tailscale's {@code FilterRule} shape and peer visibility ({@link
 * io.weft.control.policy.PolicyCompiler}), and the engine that runs the policy's {@code tests} and
 * answers "why was this accepted or dropped" ({@link io.weft.control.policy.PolicyEngine}).
 *
 * <p>Facts read, never copied (tailscale at de9ec7ee, headscale at f20f1f12):
 *
 * <ul>
 *   <li>{@code FilterRule} JSON: {@code SrcIPs}, {@code DstPorts[{IP, Ports{First, Last}}]}, {@code
 *       IPProto} omitted when empty (tailscale tailcfg/tailcfg.go:1531 PortRange, 1553
 *       NetPortRange, 1699 FilterRule); an empty {@code IPProto} means TCP, UDP, ICMP and ICMPv6 on
 *       the client (wgengine/filter/tailcfg.go:19).
 *   <li>What Tailscale's control plane sends per node, from the captures headscale keeps of it
 *       (hscontrol/policy/v2/testdata/acl_results/*.hujson, grant_results/*.hujson): a node
 *       receives only rules naming it as destination; destination IPs are the node's own addresses
 *       (bare, no /32) for users, groups, tags and autogroups, the CIDR as written for host and
 *       CIDR destinations (sent to nodes whose addresses or approved routes overlap it), and {@code
 *       "*"} for {@code *}; each ACL entry becomes one rule, and rules with equal sources and
 *       protocols are merged (acl-ar02); {@code autogroup:self} destinations become a separate rule
 *       whose sources are the owner's untagged nodes (acl-a17); the wildcard source is the tailnet
 *       ranges plus every approved route (acl-p01); grant {@code ip} entries are grouped into one
 *       rule per protocol (grant-j4); a rule whose sources resolve to nothing (an empty group) is
 *       not sent (grant-p09-6b); advertised routes covered by {@code autoApprovers} count as
 *       approved, others count for nothing (acl-h03, grant-p09-6c).
 *   <li>Peer visibility is symmetric: a node sees a peer when either may reach the other (acl-a01:
 *       tagged nodes see members, who may reach them, but not each other; acl-p01, acl-ah03 for a
 *       route). A source that is a bare IP of no node makes nobody visible (acl-t10).
 *   <li>Refusals (api_response_code 400 in the captures): unknown tag on either side, {@code
 *       autogroup:self} as a source, {@code autogroup:self} with tags, hosts or IPs as sources,
 *       {@code action} other than {@code accept}, non-numeric ports, port 0 in a grant, a grant
 *       with neither {@code ip} nor {@code app} (acl-err01..09, acl-s04..06, grant-h1, h3, h8, j7,
 *       k23), and {@code 0.0.0.0/0} as a destination (grant-v08).
 *   <li>{@code TailscaleCaptureCompat} (run by name) replays those captures when pointed at them
 *       ({@code -Dweft.tailscale.captures=DIR}); at headscale f20f1f12 all 406 captures using only
 *       what Weft implements agree (acl and grant captures: the same per-node rule sets and peer
 *       sets, or the same refusal; policytest captures: the same verdict on the tests); 132 use app
 *       capabilities, via, autogroup:internet and others and are skipped.
 *   <li>Policy tests (policytest captures): a destination is one address or name and one port
 *       (lists, ranges, {@code *} and CIDRs fail); a group source stands for each member.
 *   <li>Policy file syntax: tailscale.com/kb/1337/policy-syntax, kb/1018/acls, kb/1324/grants.
 * </ul>
 */
package io.weft.control.policy;
