import type { Config } from '../config/schema.js';
import { PageRenderer } from '../pages/engine.js';
import { feedUrls, siteContext } from '../pages/render.js';
import { pageText } from '../pages/text.js';

/** The words of every answer the server gives, in Japanese and English (by site.language). */
export interface NoticeWords {
  heading: string;
  message: string[];
  button?: string;
}

export type NoticeKind =
  | 'subscribeSent'
  | 'subscribeInvalid'
  | 'confirmDone'
  | 'confirmAlready'
  | 'confirmExpired'
  | 'confirmUnknown'
  | 'unsubscribeAsk'
  | 'unsubscribeDone'
  | 'unsubscribeAlready'
  | 'unsubscribeUnknown'
  | 'notFound'
  | 'tooMany'
  | 'error'
  | 'home';

const ja: Record<NoticeKind, NoticeWords> = {
  subscribeSent: { heading: '確認メールをご確認ください', message: ['ご登録のアドレスに確認のメールをお送りしました。メール内のリンクを開くと購読が始まります。', 'メールが届かない場合は迷惑メールフォルダもご確認ください。'] },
  subscribeInvalid: { heading: 'メールアドレスを確認してください', message: ['入力されたアドレス「{value}」は使えません: {reason}', 'もう一度入力してください。'] },
  confirmDone: { heading: '購読を開始しました', message: ['ありがとうございます。次回のダイジェストからお届けします。'] },
  confirmAlready: { heading: '購読は確認済みです', message: ['このリンクはすでに使われています。購読は有効です。'] },
  confirmExpired: { heading: 'リンクの有効期限が切れています', message: ['確認リンクの有効期限が切れました。お手数ですが、もう一度登録してください。'] },
  confirmUnknown: { heading: 'このリンクは使えません', message: ['確認リンクが正しくありません。メールのリンクをそのまま開くか、もう一度登録してください。'] },
  unsubscribeAsk: { heading: '購読を停止しますか？', message: ['下のボタンを押すと、このアドレスへのダイジェストの配信を停止します。'], button: '購読を停止する' },
  unsubscribeDone: { heading: '購読を停止しました', message: ['今後、ダイジェストはお送りしません。これまでのご購読ありがとうございました。'] },
  unsubscribeAlready: { heading: '購読は停止済みです', message: ['このアドレスへの配信はすでに停止しています。'] },
  unsubscribeUnknown: { heading: 'このリンクは使えません', message: ['配信停止リンクが正しくありません。メールのリンクをそのまま開いてください。何も変更していません。'] },
  notFound: { heading: 'ページが見つかりません', message: ['お探しのページは見つかりませんでした。'] },
  tooMany: { heading: 'しばらくお待ちください', message: ['短い時間に多くのリクエストがありました。少し時間をおいてから、もう一度お試しください。'] },
  error: { heading: 'エラーが発生しました', message: ['リクエストを処理できませんでした。時間をおいてもう一度お試しください。'] },
  home: { heading: '', message: [] },
};

const en: Record<NoticeKind, NoticeWords> = {
  subscribeSent: { heading: 'Check your inbox', message: ['We sent a confirmation e-mail to that address. Open the link in it to start your subscription.', 'If it does not arrive, look in the spam folder.'] },
  subscribeInvalid: { heading: 'Please check the address', message: ['"{value}" can\'t be used: {reason}', 'Please try again.'] },
  confirmDone: { heading: 'You are subscribed', message: ['Thank you. The next weekly digest will reach you.'] },
  confirmAlready: { heading: 'Already confirmed', message: ['This link was used before; the subscription is active.'] },
  confirmExpired: { heading: 'This link has expired', message: ['Confirmation links are valid for a limited time. Please subscribe again.'] },
  confirmUnknown: { heading: 'This link is not valid', message: ['The confirmation link is not valid. Open the link from the e-mail unchanged, or subscribe again.'] },
  unsubscribeAsk: { heading: 'Unsubscribe?', message: ['Press the button to stop the weekly digest to this address.'], button: 'Unsubscribe' },
  unsubscribeDone: { heading: 'You are unsubscribed', message: ['You will not receive the digest any more. Thank you for reading.'] },
  unsubscribeAlready: { heading: 'Already unsubscribed', message: ['This address does not receive the digest any more.'] },
  unsubscribeUnknown: { heading: 'This link is not valid', message: ['The unsubscribe link is not valid. Open the link from the e-mail unchanged. Nothing was changed.'] },
  notFound: { heading: 'Page not found', message: ['There is no page at this address.'] },
  tooMany: { heading: 'Please wait a moment', message: ['Too many requests in a short time. Please try again in a minute.'] },
  error: { heading: 'Something went wrong', message: ['The request could not be handled. Please try again later.'] },
  home: { heading: '', message: [] },
};

const ERROR_KINDS = new Set<NoticeKind>(['subscribeInvalid', 'confirmExpired', 'confirmUnknown', 'unsubscribeUnknown', 'notFound', 'tooMany', 'error']);

/**
 * The path of site.url (`/`, or `/blog/` for a site under a path), which links in the server's
 * pages start from. Behind a reverse proxy that serves the site under that path, tayori's own
 * routes (/subscribe, /confirm, /unsubscribe) sit at that path too, once the proxy strips it.
 */
export function siteRoot(config: Config): string {
  return new URL(config.site.url).pathname;
}

/** Renders the server's own pages (templates/page.html.liquid) with one engine, parsed once. */
export class NoticePages {
  private readonly pages: PageRenderer;
  private readonly words: Record<NoticeKind, NoticeWords>;
  private readonly root: string;

  constructor(
    private readonly config: Config,
    templatesDir: string,
  ) {
    this.pages = new PageRenderer(templatesDir, { site: siteContext(config), text: pageText(config.site.language), feeds: feedUrls(config) });
    // Parse now, so a broken template fails at start and not on a visitor's request.
    this.root = siteRoot(config);
    this.pages.render('page.html.liquid', { root: this.root });
    this.words = /^ja(-|$)/i.test(config.site.language) ? ja : en;
  }

  /**
   * `values` fill `{name}` placeholders; they are escaped by the template like everything else.
   * `action` is the POST target of the page's button.
   */
  render(kind: NoticeKind, options: { values?: Record<string, string>; action?: string; form?: boolean } = {}): string {
    const words = this.words[kind];
    const fill = (line: string) => line.replace(/\{(\w+)\}/g, (_, key: string) => options.values?.[key] ?? '');
    return this.pages.render('page.html.liquid', {
      // Root-relative, as a browser sees the site: under site.url's path when it has one.
      root: this.root,
      lang: this.config.site.language,
      title: kind === 'home' ? this.config.site.title : `${words.heading} | ${this.config.site.title}`,
      description: '',
      kind: ERROR_KINDS.has(kind) ? 'error' : 'ok',
      heading: kind === 'home' ? this.config.site.title : words.heading,
      message: kind === 'home' ? [this.config.site.description].filter((line) => line.trim() !== '') : words.message.map(fill),
      is_home: kind === 'home',
      button: options.action ? words.button : undefined,
      action: options.action,
      form: options.form ?? false,
    });
  }
}
