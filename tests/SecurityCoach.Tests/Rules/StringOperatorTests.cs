namespace SecurityCoach.Tests.Rules;

public sealed class StringOperatorTests
{
    [Theory]
    [InlineData("""{"url":{"url_string":[{"prefix":"https://"}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"prefix":"https://evil.example/login"}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"prefix":""}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"prefix":"http://"}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"prefix":"HTTPS://"}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"prefix":"evil"}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"prefix":"https://evil.example/login/"}]}}""", false)]
    [InlineData("""{"url":{"path":[{"prefix":"/"}]}}""", false)]
    public void Prefix_matches_start_of_string(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"metadata":{"product":{"vendor_name":[{"prefix":{"equals-ignore-case":"crowd"}}]}}}""", true)]
    [InlineData("""{"metadata":{"product":{"vendor_name":[{"prefix":{"equals-ignore-case":"CROWDSTRIKE"}}]}}}""", true)]
    [InlineData("""{"metadata":{"product":{"vendor_name":[{"prefix":{"equals-ignore-case":"strike"}}]}}}""", false)]
    [InlineData("""{"actor":{"user":{"name":[{"prefix":{"equals-ignore-case":"ÉLO"}}]}}}""", true)]
    [InlineData("""{"actor":{"user":{"name":[{"prefix":{"equals-ignore-case":"élo"}}]}}}""", true)]
    [InlineData("""{"actor":{"user":{"name":[{"prefix":{"equals-ignore-case":"ELOD"}}]}}}""", false)]
    public void Prefix_with_equals_ignore_case_ignores_case(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern, """{"metadata":{"product":{"vendor_name":"CrowdStrike"}},"actor":{"user":{"name":"Éloïse"}}}"""));

    [Theory]
    [InlineData("""{"actor":{"user":{"email_addr":[{"suffix":"@example.com"}]}}}""", true)]
    [InlineData("""{"actor":{"user":{"email_addr":[{"suffix":"jdoe@example.com"}]}}}""", true)]
    [InlineData("""{"actor":{"user":{"email_addr":[{"suffix":"@EXAMPLE.COM"}]}}}""", false)]
    [InlineData("""{"actor":{"user":{"email_addr":[{"suffix":"@example"}]}}}""", false)]
    [InlineData("""{"actor":{"user":{"email_addr":[{"suffix":"x.jdoe@example.com"}]}}}""", false)]
    [InlineData("""{"severity_id":[{"suffix":"4"}]}""", false)]
    public void Suffix_matches_end_of_string(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("""{"file":{"name":[{"suffix":{"equals-ignore-case":".exe"}}]}}""", """{"file":{"name":"INVOICE.EXE"}}""", true)]
    [InlineData("""{"file":{"name":[{"suffix":{"equals-ignore-case":".EXE"}}]}}""", """{"file":{"name":"invoice.exe"}}""", true)]
    [InlineData("""{"file":{"name":[{"suffix":{"equals-ignore-case":".exe"}}]}}""", """{"file":{"name":"invoice.exe.txt"}}""", false)]
    [InlineData("""{"file":{"name":[{"suffix":{"equals-ignore-case":"ÜBER.exe"}}]}}""", """{"file":{"name":"Tool-über.EXE"}}""", true)]
    [InlineData("""{"file":{"name":[{"suffix":{"equals-ignore-case":".exe"}}]}}""", """{"file":{"name":"résumé.Exe"}}""", true)]
    public void Suffix_with_equals_ignore_case_ignores_case(string pattern, string evt, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern, evt));

    [Theory]
    [InlineData("""{"disposition":[{"equals-ignore-case":"allowed"}]}""", true)]
    [InlineData("""{"disposition":[{"equals-ignore-case":"ALLOWED"}]}""", true)]
    [InlineData("""{"disposition":[{"equals-ignore-case":"AlLoWeD"}]}""", true)]
    [InlineData("""{"disposition":[{"equals-ignore-case":"allow"}]}""", false)]
    [InlineData("""{"disposition":[{"equals-ignore-case":"allowed!"}]}""", false)]
    [InlineData("""{"severity_id":[{"equals-ignore-case":"4"}]}""", false)]
    [InlineData("""{"user_key":[{"equals-ignore-case":"JDOE@Example.com"}]}""", true)]
    public void Equals_ignore_case_matches_whole_string_in_any_case(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("José", "JOSÉ", true)]
    [InlineData("straße", "STRASSE", false)]
    [InlineData("ΟΔΥΣΣΕΥΣ", "οδυσσευσ", true)]
    [InlineData("jose", "josé", false)]
    [InlineData("Ꭰ", "ꭰ", true)]
    [InlineData("ſ", "s", false)]
    [InlineData("s", "ſ", false)]
    [InlineData("k", "\u212A", false)]
    public void Equals_ignore_case_compares_non_ASCII_letters_by_simple_case_mapping(string value, string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches($$"""{"name":[{"equals-ignore-case":"{{pattern}}"}]}""", $$"""{"name":"{{value}}"}"""));

    [Theory]
    [InlineData("""{"url":{"url_string":[{"wildcard":"https://*.example/*"}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"*evil*"}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"*"}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"https://evil.example/login*"}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"*https://evil.example/login"}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"h*p*://*/*n"}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"https://evil.example/login"}]}}""", true)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"http://*"}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"*.com/*"}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"*login/*"}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"*EVIL*"}]}}""", false)]
    [InlineData("""{"url":{"url_string":[{"wildcard":"https://evil.example/logi"}]}}""", false)]
    [InlineData("""{"severity_id":[{"wildcard":"*"}]}""", false)]
    public void Wildcard_star_matches_any_run_of_characters(string pattern, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches(pattern));

    [Theory]
    [InlineData("ab", "a*b", true)]
    [InlineData("aXXb", "a*b", true)]
    [InlineData("aba", "a*a", true)]
    [InlineData("a", "a*a", false)]
    [InlineData("abcbc", "a*bc*c", true)]
    [InlineData("abcabc", "*abc", true)]
    [InlineData("", "*", true)]
    [InlineData("", "", true)]
    [InlineData("x", "", false)]
    [InlineData("naïve café", "na*ve*é", true)]
    public void Wildcard_handles_overlapping_and_empty_runs(string value, string wildcard, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches($$"""{"v":[{"wildcard":"{{wildcard}}"}]}""", $$"""{"v":"{{value}}"}"""));

    [Theory]
    [InlineData("""a\\*b""", "a*b", true)]
    [InlineData("""a\\*b""", "aXb", false)]
    [InlineData("""*\\**""", "x*y", true)]
    [InlineData("""*\\**""", "xy", false)]
    [InlineData("""C:\\\\Users\\\\*""", """C:\\Users\\jdoe""", true)]
    [InlineData("""C:\\\\Users\\\\*""", "C:/Users/jdoe", false)]
    [InlineData("""\\\\*""", """\\x""", true)]
    public void Wildcard_escapes_star_and_backslash(string wildcard, string value, bool expected) =>
        Assert.Equal(expected, Ocsf.Matches($$"""{"v":[{"wildcard":"{{wildcard}}"}]}""", $$"""{"v":"{{value}}"}"""));
}
