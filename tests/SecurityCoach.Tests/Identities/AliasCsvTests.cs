using System.Text;
using SecurityCoach.Api.Http;

namespace SecurityCoach.Tests.Identities;

public sealed class AliasCsvTests
{
    private static (List<CsvAlias> Rows, List<FieldError> Errors) Parse(string csv)
    {
        var errors = new List<FieldError>();
        return (AliasCsv.Parse(Encoding.UTF8.GetBytes(csv), errors), errors);
    }

    [Fact]
    public void Rows_keep_their_line_numbers_across_blank_lines_crlf_and_a_bom()
    {
        var (rows, errors) = Parse("\uFEFFIdentity,User\r\nCORP\\jdoe,jdoe@example.com\r\n\r\n\"S-1-5-21-1,2\", \"a \"\"q\"\"@example.com\"\r\nLAPTOP-17,b@example.com");

        Assert.Empty(errors);
        Assert.Equal(
            [(@"CORP\jdoe", "jdoe@example.com", 2), ("S-1-5-21-1,2", "a \"q\"@example.com", 4), ("LAPTOP-17", "b@example.com", 5)],
            rows.Select(r => (r.Alias.Identity, r.Alias.User, r.Line)));
    }

    [Fact]
    public void A_header_alone_is_an_empty_table()
    {
        var (rows, errors) = Parse("identity,user\n");
        Assert.Empty(errors);
        Assert.Empty(rows);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("CORP\\jdoe,jdoe@example.com\n")]
    [InlineData("identity;user\n")]
    public void A_missing_header_is_an_error_on_its_line(string csv)
    {
        var (_, errors) = Parse(csv);
        var error = Assert.Single(errors);
        Assert.StartsWith("line ", error.Field, StringComparison.Ordinal);
        Assert.Contains("identity,user", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_without_exactly_two_fields_is_named()
    {
        var (rows, errors) = Parse("identity,user\njdoe\nasmith,a@example.com,extra\nbsmith,b@example.com\n");
        Assert.Equal(["line 2", "line 3"], errors.Select(e => e.Field));
        Assert.Equal("bsmith", Assert.Single(rows).Alias.Identity);
    }

    [Fact]
    public void Written_tables_parse_back_to_the_same_rows()
    {
        UserAlias[] aliases = [new(@"CORP\jdoe", "jdoe@example.com"), new("odd,\"name\"", "o@example.com"), new(" spaced ", "s@example.com")];
        var (rows, errors) = Parse(AliasCsv.Write(aliases));
        Assert.Empty(errors);
        Assert.Equal([@"CORP\jdoe", "odd,\"name\"", "spaced"], rows.Select(r => r.Alias.Identity));
    }
}
