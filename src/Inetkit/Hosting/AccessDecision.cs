namespace Inetkit.Hosting;

/// <summary>What an <see cref="AccessList"/> decided about one source address, and which entry decided it.</summary>
/// <param name="Allowed">True if the source may be served.</param>
/// <param name="Rule">
/// The deciding entry as it would be printed, such as <c>"deny 127.0.0.0/8"</c> or <c>"allow 127.0.0.5"</c>;
/// <c>"not in the allow list"</c> when there is an allow list and no entry matched; null when allowed because no
/// entry matched and there is no allow list.
/// </param>
public readonly record struct AccessDecision(bool Allowed, string? Rule);
