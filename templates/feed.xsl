<?xml version="1.0" encoding="utf-8"?>
<!--
  tayori: shows an RSS 2.0 or Atom 1.0 feed as a readable page when someone opens it in a
  browser (feed readers ignore this file). The feeds link it with a root-relative
  <?xml-stylesheet?>, since browsers only apply a stylesheet from the feed's own origin.
  UI text is Japanese when the feed's language starts with "ja", English otherwise.
  XSLT 1.0 only: that is all browsers run.
-->
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  exclude-result-prefixes="atom dc">
  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="isAtom" select="boolean(/atom:feed)"/>
  <xsl:variable name="lang">
    <xsl:choose>
      <xsl:when test="$isAtom"><xsl:value-of select="/atom:feed/@xml:lang"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="/rss/channel/language"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="ja" select="starts-with($lang, 'ja')"/>
  <xsl:variable name="title">
    <xsl:choose>
      <xsl:when test="$isAtom"><xsl:value-of select="/atom:feed/atom:title"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="/rss/channel/title"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="description">
    <xsl:choose>
      <xsl:when test="$isAtom"><xsl:value-of select="/atom:feed/atom:subtitle"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="/rss/channel/description"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="feedUrl">
    <xsl:choose>
      <xsl:when test="$isAtom"><xsl:value-of select="/atom:feed/atom:link[@rel='self']/@href"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="/rss/channel/atom:link[@rel='self']/@href"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>
  <xsl:variable name="siteUrl">
    <xsl:choose>
      <xsl:when test="$isAtom"><xsl:value-of select="/atom:feed/atom:link[@rel='alternate']/@href"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="/rss/channel/link"/></xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:template match="/">
    <html lang="{$lang}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title>
          <xsl:value-of select="$title"/>
          <xsl:choose>
            <xsl:when test="$ja"> — フィード</xsl:when>
            <xsl:otherwise> — feed</xsl:otherwise>
          </xsl:choose>
        </title>
        <style>
          :root { color-scheme: light dark; --accent: #b4451f; --muted: #6b6b6b; --box: #fff4e5; }
          @media (prefers-color-scheme: dark) { :root { --box: #3a2a1a; --muted: #a8a8a8; --accent: #f08a5d; } }
          body { font-family: system-ui, -apple-system, "Hiragino Sans", "Noto Sans JP", "Noto Sans CJK JP", sans-serif; line-height: 1.7; max-width: 46rem; margin: 0 auto; padding: 1.5rem 1rem 4rem; }
          header h1 { margin: 0.2rem 0; font-size: 1.8rem; line-height: 1.3; }
          .kicker { color: var(--muted); font-size: 0.9rem; margin: 0; }
          .subscribe { background: var(--box); border-left: 6px solid var(--accent); padding: 1rem 1.2rem; margin: 1.5rem 0 2rem; border-radius: 6px; }
          .subscribe p { margin: 0 0 0.6rem; font-weight: 600; font-size: 1.05rem; }
          .subscribe input { width: 100%; box-sizing: border-box; font: 1rem ui-monospace, SFMono-Regular, Menlo, monospace; padding: 0.5rem; border: 1px solid var(--accent); border-radius: 4px; }
          .subscribe small { display: block; margin-top: 0.5rem; color: var(--muted); }
          ol { list-style: none; padding: 0; }
          li { padding: 1rem 0; border-top: 1px solid rgba(127,127,127,0.3); }
          li h2 { font-size: 1.2rem; margin: 0; line-height: 1.4; }
          li h2 a { color: var(--accent); text-decoration: none; }
          li h2 a:hover { text-decoration: underline; }
          time { color: var(--muted); font-size: 0.9rem; }
          li p { margin: 0.3rem 0 0; }
          .empty { color: var(--muted); }
        </style>
      </head>
      <body>
        <header>
          <p class="kicker">
            <xsl:choose>
              <xsl:when test="$ja">これは Web フィード（<xsl:value-of select="substring('RSSAtom', 1 + 3 * $isAtom, 3 + $isAtom)"/>）です</xsl:when>
              <xsl:otherwise>This is a web feed (<xsl:value-of select="substring('RSSAtom', 1 + 3 * $isAtom, 3 + $isAtom)"/>)</xsl:otherwise>
            </xsl:choose>
          </p>
          <h1><a href="{$siteUrl}" style="color: inherit; text-decoration: none;"><xsl:value-of select="$title"/></a></h1>
          <xsl:if test="$description != '' and $description != $title">
            <p><xsl:value-of select="$description"/></p>
          </xsl:if>
        </header>

        <section class="subscribe" id="subscribe">
          <p>
            <xsl:choose>
              <xsl:when test="$ja">購読するには、この URL をフィードリーダーにコピーしてください:</xsl:when>
              <xsl:otherwise>To subscribe, copy this URL into your feed reader:</xsl:otherwise>
            </xsl:choose>
          </p>
          <input type="text" readonly="readonly" value="{$feedUrl}" onclick="this.select()" aria-label="feed URL"/>
          <small>
            <xsl:choose>
              <xsl:when test="$ja">フィードリーダー（Feedly、Inoreader、NetNewsWire など）に登録すると、新しい記事が自動で届きます。</xsl:when>
              <xsl:otherwise>A feed reader (Feedly, Inoreader, NetNewsWire…) then shows new posts as they appear.</xsl:otherwise>
            </xsl:choose>
          </small>
        </section>

        <main>
          <h2 style="font-size: 1rem; color: var(--muted);">
            <xsl:choose>
              <xsl:when test="$ja">最近の記事</xsl:when>
              <xsl:otherwise>Recent posts</xsl:otherwise>
            </xsl:choose>
          </h2>
          <ol>
            <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
          </ol>
          <xsl:if test="not(/rss/channel/item | /atom:feed/atom:entry)">
            <p class="empty">
              <xsl:choose>
                <xsl:when test="$ja">まだ記事はありません。</xsl:when>
                <xsl:otherwise>No posts yet.</xsl:otherwise>
              </xsl:choose>
            </p>
          </xsl:if>
        </main>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <li>
      <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
      <time>
        <xsl:call-template name="rfc822-date"><xsl:with-param name="date" select="pubDate"/></xsl:call-template>
      </time>
      <p>
        <xsl:call-template name="summary"><xsl:with-param name="html" select="description"/></xsl:call-template>
      </p>
    </li>
  </xsl:template>

  <xsl:template match="atom:entry">
    <li>
      <h2><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a></h2>
      <time datetime="{atom:published}"><xsl:value-of select="substring(atom:published, 1, 10)"/></time>
      <p>
        <xsl:call-template name="summary"><xsl:with-param name="html" select="atom:summary"/></xsl:call-template>
      </p>
    </li>
  </xsl:template>

  <!-- "Fri, 20 Nov 2026 00:00:00 GMT" (what tayori writes) → "2026-11-20". -->
  <xsl:template name="rfc822-date">
    <xsl:param name="date"/>
    <xsl:variable name="month" select="(string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', substring($date, 9, 3))) div 3) + 1"/>
    <xsl:value-of select="concat(substring($date, 13, 4), '-', format-number($month, '00'), '-', substring($date, 6, 2))"/>
  </xsl:template>

  <!--
    The summary is HTML carried as text. It is shown as plain text (tags dropped, the usual
    entities decoded) rather than with disable-output-escaping, which Firefox ignores and which
    would let markup from a post into this page.
  -->
  <xsl:template name="summary">
    <xsl:param name="html"/>
    <xsl:variable name="text">
      <xsl:call-template name="strip-tags"><xsl:with-param name="html" select="normalize-space($html)"/></xsl:call-template>
    </xsl:variable>
    <xsl:call-template name="decode-entities"><xsl:with-param name="text" select="$text"/></xsl:call-template>
  </xsl:template>

  <xsl:template name="strip-tags">
    <xsl:param name="html"/>
    <xsl:choose>
      <xsl:when test="contains($html, '&lt;')">
        <xsl:value-of select="substring-before($html, '&lt;')"/>
        <xsl:call-template name="strip-tags">
          <xsl:with-param name="html" select="substring-after(substring-after($html, '&lt;'), '&gt;')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$html"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="decode-entities">
    <xsl:param name="text"/>
    <xsl:variable name="lt">
      <xsl:call-template name="replace"><xsl:with-param name="text" select="$text"/><xsl:with-param name="from" select="'&amp;lt;'"/><xsl:with-param name="to" select="'&lt;'"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="gt">
      <xsl:call-template name="replace"><xsl:with-param name="text" select="$lt"/><xsl:with-param name="from" select="'&amp;gt;'"/><xsl:with-param name="to" select="'&gt;'"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="quot">
      <xsl:call-template name="replace"><xsl:with-param name="text" select="$gt"/><xsl:with-param name="from" select="'&amp;quot;'"/><xsl:with-param name="to" select="'&quot;'"/></xsl:call-template>
    </xsl:variable>
    <xsl:variable name="apos">
      <xsl:call-template name="replace"><xsl:with-param name="text" select="$quot"/><xsl:with-param name="from" select="'&amp;#39;'"/><xsl:with-param name="to">'</xsl:with-param></xsl:call-template>
    </xsl:variable>
    <!-- &amp; last, so "&amp;lt;" stays "&lt;" as the author wrote it. -->
    <xsl:call-template name="replace"><xsl:with-param name="text" select="$apos"/><xsl:with-param name="from" select="'&amp;amp;'"/><xsl:with-param name="to" select="'&amp;'"/></xsl:call-template>
  </xsl:template>

  <xsl:template name="replace">
    <xsl:param name="text"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($text, $from)">
        <xsl:value-of select="concat(substring-before($text, $from), $to)"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="text" select="substring-after($text, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
