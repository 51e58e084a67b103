import type {VpnCliError} from '../errors.js'

import {HerokuHostError, NoCredentialsError} from '../api/credentials.js'
import {BadAnswerError, PlatformApiError} from '../api/errors.js'
import {ProxyAuthenticationError, ProxyUnreachableError} from '../api/network-route.js'
import {NetworkError, TlsCertificateError} from '../api/transport.js'
import {connectionCommand, suggestCommand} from './command-lines.js'

/** `heroku login` and `heroku authorizations:create` are the Heroku CLI's, whichever program gives the advice. */
function loginAdvice(tokenFromEnv: boolean): string {
  return tokenFromEnv
    ? 'HEROKU_API_KEY is set but not valid: create a new key with `heroku authorizations:create`, or unset it and run `heroku login`.'
    : 'Run `heroku login`, or set HEROKU_API_KEY to an API key from `heroku authorizations:create`.'
}

/** `heroku spaces` is the Heroku CLI's: the standalone program has no command that lists spaces. */
export const LIST_SPACES_ADVICE = 'List the spaces you can use with `heroku spaces`.'

export function listConnectionsAdvice(space: string): string {
  return `List the space's VPN connections with \`${suggestCommand('spaces:vpn:connections', '--space', space)}\`.`
}

function platformApiAdvice(error: PlatformApiError): readonly string[] {
  switch (error.status) {
    case 401: {
      return [loginAdvice(error.subject.tokenFromEnv)]
    }

    case 404: {
      return [error.subject.connection === undefined ? LIST_SPACES_ADVICE : listConnectionsAdvice(error.subject.space)]
    }

    case 429: {
      const wait = error.retryAfterMs === undefined ? 'a little while' : `${Math.ceil(error.retryAfterMs / 1000)} s`
      return [`Try again in ${wait}.`]
    }

    default: {
      return []
    }
  }
}

/** What was answered is not Heroku's: say who else may have answered, and for a change, how to see whether it was made. */
function badAnswerAdvice(error: BadAnswerError): readonly string[] {
  const elsewhere =
    'Something other than the Heroku API may have answered (a proxy, a captive portal, a login page): check your network, HTTPS_PROXY and HEROKU_HOST, then try again.'
  if (error.request.method === 'GET') return [elsewhere]
  const {connection, space} = error.subject
  const check =
    connection === undefined
      ? suggestCommand('spaces:vpn:connections', '--space', space)
      : connectionCommand('info', connection, space)
  return [elsewhere, `The ${error.request.method} may have been carried out all the same: check with \`${check}\`.`]
}

/**
 * What to do about an error, for the `Try this:` lines: the API client's errors state what happened, and their
 * advice is given here; every other error carries its own.
 */
export function adviceFor(error: VpnCliError): readonly string[] {
  if (error instanceof PlatformApiError) return platformApiAdvice(error)
  if (error instanceof NoCredentialsError) return [loginAdvice(false)]
  if (error instanceof HerokuHostError) return ['Fix or unset HEROKU_HOST.']
  if (error instanceof NetworkError) return ['Check your network connection, and HEROKU_HOST if you set it.']
  if (error instanceof BadAnswerError) return badAnswerAdvice(error)
  if (error instanceof ProxyAuthenticationError) {
    return [
      `Give the proxy's user name and password in ${error.proxy.variable} as http://USER:PASSWORD@HOST:PORT, with any / ? # @ : or % in them percent-encoded (%2F %3F %23 %40 %3A %25).`,
    ]
  }

  if (error instanceof ProxyUnreachableError) {
    return [
      `Check that the proxy is running, or change ${error.proxy.variable}; NO_PROXY lists hosts to reach without it.`,
    ]
  }

  if (error instanceof TlsCertificateError) {
    return [
      'Check HEROKU_HOST. If your network has its own certificate authority (a TLS-inspecting proxy, a private CA), trust it: point SSL_CERT_FILE at its PEM file, SSL_CERT_DIR at a folder of them, or NODE_EXTRA_CA_CERTS at a PEM file.',
    ]
  }

  return error.advice
}
