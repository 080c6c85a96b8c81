/* Unit tests: HTML mail bodies to plain text (parsers/html.c). */
#include "../../parsers/html.h"
#include "tap.h"

static char *conv(const char *html)
{
	return html_to_text(html, strlen(html));
}

static gboolean has_line(const char *text, const char *line)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (gsize i = 0; lines[i]; i++)
		if (strcmp(lines[i], line) == 0)
			return TRUE;
	return FALSE;
}

/* The output invariants every conversion must keep. */
static gboolean well_formed(const char *t)
{
	if (!t || !g_utf8_validate(t, -1, NULL) || strlen(t) > HTML_MAX_TEXT)
		return FALSE;
	if (strstr(t, "\n\n\n") || t[0] == '\n' || (*t && t[strlen(t) - 1] == '\n'))
		return FALSE;
	g_auto(GStrv) lines = g_strsplit(t, "\n", -1);
	for (gsize i = 0; lines[i]; i++) {
		gsize n = strlen(lines[i]);
		if (n && (lines[i][0] == ' ' || lines[i][n - 1] == ' '))
			return FALSE;
	}
	return TRUE;
}

static const char outlook_form[] =
	"<html xmlns:o=\"urn:schemas-microsoft-com:office:office\">\n"
	"<head><meta http-equiv=Content-Type content=\"text/html; charset=utf-8\">\n"
	"<!--[if gte mso 9]><xml><o:shapedefaults v:ext=\"edit\" spidmax=\"1026\" /></xml><![endif]-->\n"
	"<style><!-- p.MsoNormal {margin:0cm;} --></style><title>Nominations 2026</title></head>\n"
	"<body lang=EN-GB><div class=WordSection1>\n"
	"<p class=MsoNormal>Dear Programme Team,<o:p></o:p></p>\n"
	"<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
	"<p class=MsoNormal>Please find our <b>nominations</b> below.<o:p></o:p></p>\n"
	"<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
	"<p class=MsoNormal><b>Organisation:</b> Fife&nbsp;Council<o:p></o:p></p>\n"
	"<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0>\n"
	"<tr><td colspan=2 valign=top><p class=MsoNormal><b>Member 1<o:p></o:p></b></p></td></tr>\n"
	"<tr><td width=200><p class=MsoNormal>Name<o:p></o:p></p></td>"
	"<td><p class=MsoNormal>Alex <span style='color:red'>Morgan</span><o:p></o:p></p></td></tr>\n"
	"<tr><td><p class=MsoNormal>Email<o:p></o:p></p></td><td><p class=MsoNormal>"
	"<a href=\"mailto:alex.morgan@fife.example\">alex.morgan@fife.example</a><o:p></o:p></p></td></tr>\n"
	"<tr><td><p class=MsoNormal>Job&nbsp;title:<o:p></o:p></p></td>"
	"<td><p class=MsoNormal>Graduate Policy&nbsp;Officer<o:p></o:p></p></td></tr>\n"
	"<tr><td><p class=MsoNormal>Years in local government<o:p></o:p></p></td>"
	"<td><p class=MsoNormal>2<o:p></o:p></p></td></tr>\n"
	"<tr><td colspan=2><p class=MsoNormal><b>Mentor<o:p></o:p></b></p></td></tr>\n"
	"<tr><td><p class=MsoNormal>Name<o:p></o:p></p></td><td><p class=MsoNormal>Jo Smith<o:p></o:p></p></td></tr>\n"
	"<tr><td><p class=MsoNormal>Expertise<o:p></o:p></p></td>"
	"<td><p class=MsoNormal>Budgets,<o:p></o:p></p><p class=MsoNormal>scrutiny<o:p></o:p></p></td></tr>\n"
	"</table>\n"
	"<p class=MsoListParagraph><![if !supportLists]><span style='font-family:Symbol'>\xc2\xb7"
	"<span style='font:7.0pt'>&nbsp;&nbsp;&nbsp; </span></span><![endif]>Both approved by line "
	"managers<o:p></o:p></p>\n"
	"<p class=MsoNormal><o:p>&nbsp;</o:p></p>\n"
	"<p class=MsoNormal>Kind regards,<br>Pat<o:p></o:p></p>\n"
	"<div style='border:none;border-top:solid #E1E1E1 1.0pt'><div id=\"divRplyFwdMsg\">"
	"<p class=MsoNormal><b>From:</b> Programme Team &lt;team@lgcn.example&gt;<br><b>Sent:</b> 1 March 2026"
	"<o:p></o:p></p></div></div>\n"
	"<p class=MsoNormal>Name: Old Nominee<o:p></o:p></p>\n"
	"</div></body></html>\n";

static const char gmail_reply[] =
	"<div dir=\"ltr\">Here is the corrected form.<div><br></div><div>Member</div>"
	"<div>Name: Alex Morgan</div><div>Email: alex@fife.example</div></div><br>"
	"<div class=\"gmail_quote gmail_quote_container\"><div dir=\"ltr\" class=\"gmail_attr\">On Mon, 2 Mar 2026 at "
	"09:00, Pat &lt;<a href=\"mailto:pat@fife.example\">pat@fife.example</a>&gt; wrote:<br></div>"
	"<blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex\"><div dir=\"ltr\">"
	"<table><tr><td>Name</td><td>Old Name</td></tr></table>Member<br>Email: "
	"old@fife.example</div></blockquote></div>\n"
	"<div>Trailing text after the quote</div>";

static const char gmail_forward[] =
	"<div dir=\"ltr\">Sending on behalf of our Chief Executive.<br><br>"
	"<div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">---------- Forwarded message ---------<br>"
	"From: <strong class=\"gmail_sendername\" dir=\"auto\">Chief Executive</strong> <span dir=\"auto\">&lt;"
	"<a href=\"mailto:ceo@fife.example\">ceo@fife.example</a>&gt;</span><br>Date: Mon, 2 Mar 2026 at 09:00<br>"
	"Subject: Nominations<br>To: &lt;<a href=\"mailto:pa@fife.example\">pa@fife.example</a>&gt;<br></div><br><br>"
	"<div dir=\"ltr\">Organisation: Fife Council<div><br></div><div>Member</div><div>Name: Alex Morgan</div>"
	"</div></div></div>";

int main(void)
{
	{
		g_autofree char *t = conv(outlook_form);
		ok(well_formed(t), "Outlook: output well formed");
		ok(g_str_has_prefix(t, "Dear Programme Team,\n\nPlease find our nominations below.\n\n"),
		   "Outlook: <p>&nbsp;</p> is one blank line, bold adds nothing");
		ok(has_line(t, "Organisation: Fife Council"), "Outlook: nbsp in a value is a plain space");
		ok(has_line(t, "Member 1"), "Outlook: one-cell section row is its text");
		ok(has_line(t, "Mentor"), "Outlook: Mentor section row");
		ok(has_line(t, "Name: Alex Morgan"), "Outlook: two-cell row is Label: value, span adds nothing");
		ok(has_line(t, "Email: alex.morgan@fife.example"), "Outlook: link text kept");
		ok(has_line(t, "Job title: Graduate Policy Officer"),
		   "nbsp inside a label, label ending in ':' not doubled");
		ok(has_line(t, "Years in local government: 2"), "Outlook: long label");
		ok(has_line(t, "Expertise: Budgets, scrutiny"), "paragraphs inside a cell stay on the row's line");
		ok(has_line(t, "\xc2\xb7 Both approved by line managers"),
		   "downlevel conditionals <![if]> do not leak");
		ok(has_line(t, "Kind regards,") && has_line(t, "Pat"), "<br> breaks a line");
		ok(!strstr(t, "Nominations 2026") && !strstr(t, "MsoNormal") && !strstr(t, "shapedefaults"),
		   "head, title, style and conditional comments skipped");
		ok(!strstr(t, "From:") && !strstr(t, "Old Nominee"), "everything from divRplyFwdMsg onward dropped");
		ok(!strstr(t, "<!") && !strstr(t, "o:p"), "no markup leaks");
		g_autofree char *k = html_to_text_full(outlook_form, strlen(outlook_form), HTML_KEEP_QUOTED);
		ok(has_line(k, "Name: Old Nominee") && has_line(k, "From: Programme Team <team@lgcn.example>"),
		   "HTML_KEEP_QUOTED keeps the history");
	}
	{
		g_autofree char *t = conv(gmail_reply);
		is_str(t, "Here is the corrected form.\n\nMember\nName: Alex Morgan\nEmail: alex@fife.example",
		       "Gmail reply: gmail_quote with the old form dropped, and what follows it");
	}
	{
		g_autofree char *t = conv(gmail_forward);
		ok(well_formed(t), "Gmail forward: well formed");
		ok(has_line(t, "---------- Forwarded message ---------"), "Gmail forward: marker kept");
		ok(has_line(t, "From: Chief Executive <ceo@fife.example>"), "Gmail forward: forwarded headers kept");
		ok(has_line(t, "Name: Alex Morgan") && has_line(t, "Organisation: Fife Council"),
		   "Gmail forward: forwarded form kept");
		ok(g_str_has_prefix(t, "Sending on behalf of our Chief Executive.\n\n---------- Forwarded"),
		   "Gmail forward: two <br> make one blank line");
	}
	{
		g_autofree char *t =
			conv("<div>Please see below.</div><div>---------- Forwarded message ---------</div>"
			     "<div class=\"gmail_quote\">Name: Kept</div>");
		ok(has_line(t, "Name: Kept"), "forward marker just before the quote keeps it");
	}
	{
		g_autofree char *t = conv("<div>FYI</div><blockquote type=\"cite\"><div>Begin forwarded message:</div>"
					  "<div>Name: Apple Kept</div></blockquote>");
		ok(has_line(t, "Name: Apple Kept"), "Apple Mail forward inside blockquote kept");
	}
	{
		g_autofree char *t = conv("<p>Top</p><blockquote>quoted line</blockquote><p>Inline answer</p>"
					  "<div class=\"moz-cite-prefix\">On 1/3/26 Pat wrote:</div><p>after</p>");
		is_str(t, "Top\nInline answer", "blockquote dropped alone; moz-cite-prefix drops the rest");
	}
	{
		g_autofree char *a = conv("<p>Mine</p><div id=\"OLK_SRC_BODY_SECTION\">theirs</div><p>more</p>");
		g_autofree char *b =
			conv("<p>Mine</p><div class=\"yahoo_quoted\" id=\"yahoo_quoted_123\">theirs</div>");
		ok(strcmp(a, "Mine") == 0 && strcmp(b, "Mine") == 0,
		   "OLK_SRC_BODY_SECTION and yahoo_quoted end the text");
	}
	{
		g_autofree char *t = conv("<table><tr><td>Name:</td><td>&nbsp;</td><td>A&nbsp;B</td></tr>"
					  "<tr><th>Name</th><th>Email</th><th>Role</th></tr>"
					  "<tr><td>Email</td><td></td></tr>"
					  "<tr><td>Jo</td><td>jo@x.example</td><td>mentor</td></tr></table>");
		is_str(t, "Name: A B\nName | Email | Role\nEmail\nJo | jo@x.example | mentor",
		       "spacer cells ignored; three cells joined with |; label with empty value");
	}
	{
		/* A layout table around the form table: inner rows are the lines. */
		g_autofree char *t =
			conv("<table><tr><td width=20></td><td><p>Intro</p><table>"
			     "<tr><td>Name</td><td>Alex</td></tr><tr><td>Email</td><td>a@x.example</td></tr>"
			     "</table></td></tr></table>");
		is_str(t, "Intro\nName: Alex\nEmail: a@x.example", "nested layout table: inner rows are lines");
	}
	{
		g_autofree char *t =
			conv("<script>alert('x')</script><style>p{}</style><!-- hidden comment -->"
			     "<div style=\"display: none\">preheader</div><span style='mso-hide:all'>mso</span>"
			     "<p hidden>gone</p><p>Visible  \t text\n across\r\nlines</p>");
		is_str(t, "Visible text across lines",
		       "scripts, styles, comments, hidden elements skipped; blanks collapse");
	}
	{
		g_autofree char *t =
			conv("a<br><br><br><br><br>b<p></p><p></p><p></p>c<div><br></div><div><br></div>d");
		is_str(t, "a\n\nb\n\nc\n\nd", "never more than one blank line");
	}
	{
		g_autofree char *t = conv("<p>caf&eacute; &#150; &#8364;5 &#0;&#xD800;x\xe2\x80\x8b"
					  "y&shy;z</p>"
					  "<pre>line 1\n  line 2</pre>");
		is_str(t,
		       "caf\xc3\xa9 \xe2\x80\x93 \xe2\x82\xac"
		       "5 xyz\nline 1\nline 2",
		       "entities, &#150; as Windows-1252, bad references and zero-width characters, <pre> lines");
	}
	{
		GString *deep = g_string_new("<p>before</p>");
		for (int i = 0; i < 10000; i++)
			g_string_append(deep, "<div>");
		g_string_append(deep, "deep text");
		for (int i = 0; i < 10000; i++)
			g_string_append(deep, "</div>");
		g_autofree char *t = html_to_text(deep->str, deep->len);
		ok(well_formed(t) && g_str_has_prefix(t, "before"), "10,000 nested divs: no crash, text before kept");
		g_string_truncate(deep, 0);
		for (int i = 0; i < 5000; i++)
			g_string_append(deep, "<table><tr><td><blockquote><span>");
		g_autofree char *u = html_to_text(deep->str, deep->len);
		ok(well_formed(u), "5,000 nested tables and blockquotes: no crash");
		g_string_free(deep, TRUE);
	}
	{
		static const char garbage[] = "<<<>>><td>cell</td></tr><html><body></html>x&#;&#x;&bogus;<tr><td>a"
					      "<table<tr>\xff\xfe\xc3(\xe2\x82<b<i>unclosed <!-- never closed";
		g_autofree char *t = html_to_text(garbage, sizeof garbage - 1);
		ok(well_formed(t), "garbage and invalid UTF-8: valid output");
		static const char nul[] = "<p>a\0b</p>";
		g_autofree char *n = html_to_text(nul, sizeof nul - 1);
		is_str(n, "a b", "NUL byte read as a space");
		g_autofree char *e = html_to_text("", 0);
		g_autofree char *z = html_to_text(NULL, 5);
		ok(e && !*e && z && !*z, "empty and NULL input give an empty string");
	}
	{
		/* Random splices of tags, text and bytes: the invariants hold. */
		static const char *const bits[] = { "<div>",
						    "</div>",
						    "<p>",
						    "</p>",
						    "<br>",
						    "<table>",
						    "<tr>",
						    "<td>",
						    "</td>",
						    "</tr>",
						    "</table>",
						    "<blockquote>",
						    "</blockquote>",
						    "<div class=gmail_quote>",
						    "Forwarded message",
						    "<o:p>",
						    "</o:p>",
						    "&nbsp;",
						    "text ",
						    "\xc3\xa9",
						    "\xe9",
						    "<![if x]>",
						    "<!--",
						    "-->",
						    "<pre>",
						    "\n",
						    "<script>",
						    "</script>",
						    "\xf0\x9f\x98\x80",
						    "&#150;" };
		GRand *rand = g_rand_new_with_seed(42);
		gboolean all = TRUE;
		for (int round = 0; round < 300 && all; round++) {
			GString *h = g_string_new(NULL);
			int n = g_rand_int_range(rand, 1, 400);
			for (int i = 0; i < n; i++)
				g_string_append(h, bits[g_rand_int_range(rand, 0, G_N_ELEMENTS(bits))]);
			char *t = html_to_text(h->str, h->len);
			all = well_formed(t);
			if (!all)
				printf("# failed on: %s\n", h->str);
			g_free(t);
			g_string_free(h, TRUE);
		}
		g_rand_free(rand);
		ok(all, "300 random tag soups: output always well formed");
	}
	{
		GString *big = g_string_new("<p>");
		for (int i = 0; i < 200000; i++)
			g_string_append(big, "\xc3\xa9 ");
		g_autofree char *t = html_to_text(big->str, big->len);
		ok(well_formed(t) && strlen(t) > HTML_MAX_TEXT - 8, "output capped at %d bytes on a character boundary",
		   HTML_MAX_TEXT);
		g_string_assign(big, "<table><tr>");
		for (int i = 0; i < 3000; i++)
			g_string_append_printf(big, "<td>%d %s</td>", i, i % 2 ? "\xe2\x82\xac\xe2\x82\xac" : "x");
		g_autofree char *r = html_to_text(big->str, big->len);
		ok(well_formed(r) && g_str_has_prefix(r, "0 x | 1 "), "a row of 3,000 cells stays bounded");
		g_string_free(big, TRUE);
	}
	return tap_done();
}
